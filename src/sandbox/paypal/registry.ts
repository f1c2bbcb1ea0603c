import { type SandboxHandle, handleRegistry } from '../_kit/handles.js';
import type { PaypalSandboxKeys } from './keys.js';

export type { InjectRequest, InjectResponse } from '../_kit/handles.js';

/** The PayPal simulator in this process: base URL `${core.publicUrl}/sandbox/paypal`. */
export type PaypalSandboxHandle = SandboxHandle<PaypalSandboxKeys>;

const registry = handleRegistry<PaypalSandboxHandle>();
export const announcePaypalSandbox = registry.announce;
export const paypalSandboxFor = registry.find;
