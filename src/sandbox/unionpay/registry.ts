import { type SandboxHandle, handleRegistry } from '../_kit/handles.js';
import type { UnionpaySandboxKeys } from './keys.js';

export type { InjectRequest as UnionpayInjectRequest } from '../_kit/handles.js';

/** The UnionPay simulator in this process: base URL `${core.publicUrl}/sandbox/unionpay/gateway/api/`. */
export type UnionpaySandboxHandle = SandboxHandle<UnionpaySandboxKeys>;

const registry = handleRegistry<UnionpaySandboxHandle>();
export const announceUnionpaySandbox = registry.announce;
export const unionpaySandboxFor = registry.find;
