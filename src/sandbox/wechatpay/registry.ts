import { type SandboxHandle as KitHandle, handleRegistry } from '../_kit/handles.js';
import type { SandboxKeys } from './keys.js';

export type { InjectRequest, InjectResponse } from '../_kit/handles.js';

/** The WeChat Pay simulator in this process: base URL `${core.publicUrl}/sandbox/wechatpay/`. */
export type SandboxHandle = KitHandle<SandboxKeys>;

const registry = handleRegistry<SandboxHandle>();
export const announceSandbox = registry.announce;
export const sandboxFor = registry.find;
