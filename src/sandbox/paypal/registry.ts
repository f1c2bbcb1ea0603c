import { type SandboxHandle, handleRegistry } from '../_kit/handles.js';
import type { PaypalSandboxKeys } from './keys.js';

/** The PayPal simulator in this process: base URL `${ctx.publicUrl}/sandbox/paypal`. */
export type PaypalSandboxHandle = SandboxHandle<PaypalSandboxKeys>;

const registry = handleRegistry<PaypalSandboxHandle>();
export const announcePaypalSandbox = registry.announce;
export const paypalSandboxFor = registry.find;
