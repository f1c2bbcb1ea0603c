import { type SandboxHandle, handleRegistry } from '../_kit/handles.js';
import type { UnionpaySandboxKeys } from './keys.js';

/** The UnionPay simulator in this process: base URL `${ctx.publicUrl}/sandbox/unionpay/gateway/api/`. */
export type UnionpaySandboxHandle = SandboxHandle<UnionpaySandboxKeys>;

const registry = handleRegistry<UnionpaySandboxHandle>();
export const announceUnionpaySandbox = registry.announce;
export const unionpaySandboxFor = registry.find;
