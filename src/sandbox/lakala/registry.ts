import { type SandboxHandle as KitHandle, handleRegistry } from '../_kit/handles.js';
import type { SandboxKeys } from './keys.js';

/** The Lakala simulator in this process: base URL `${ctx.publicUrl}/sandbox/lakala`. */
export type SandboxHandle = KitHandle<SandboxKeys>;

const registry = handleRegistry<SandboxHandle>();
export const announceSandbox = registry.announce;
export const sandboxFor = registry.find;
