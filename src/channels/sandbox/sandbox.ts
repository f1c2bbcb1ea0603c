import type { Connector, PayResult } from '../_kit/connector.js';
import type { Charge } from '../../domain/charge.js';
import { METHODS } from '../../domain/channels.js';
import { pending, succeeded } from '../_kit/results.js';

/**
 * The minimal test-mode stand-in for providers that have no simulator-backed connector
 * yet: the charge stays pending (user_paying for barcode) until the payer acts through
 * `POST /api/v1/test_helpers/charges/{id}/pay` or `/decline`. Credentials point at the
 * sandbox payer page so every dialect has something real-looking to return.
 */
export function sandboxConnector(): Connector {
  return {
    name: 'sandbox',
    inProcess: true,
    capabilities: {
      methods: METHODS.filter((m) => m !== 'offline'),
    },
    pay: async ({ charge, publicUrl }) =>
      pending({
        payerActing: charge.method === 'barcode',
        polling: charge.method === 'barcode',
        credential: sandboxCredential(charge, publicUrl),
      }),
    // The charge row is the sandbox's own state: whatever the test helper applied is the truth.
    query: async ({ charge }) =>
      charge.status === 'succeeded'
        ? succeeded({ transactionNo: charge.transactionNo ?? undefined })
        : pending(),
    refund: async ({ refund }) => succeeded({ transactionNo: `sbr_${refund.id.slice(3)}` }),
    close: async () => pending(),
  };
}

function sandboxCredential(charge: Charge, publicUrl: string): PayResult['credential'] {
  const payUrl = `${publicUrl}/sandbox/pay/${charge.id}`;
  switch (charge.method) {
    case 'qr':
      return { qr_code: payUrl };
    case 'app':
      return { order_string: `sandbox_order=${charge.id}&amount=${charge.amount}` };
    case 'page':
    case 'wap':
    case 'h5':
      return { pay_url: payUrl };
    case 'jsapi':
    case 'mini':
      return { jsapi: { appId: 'sandbox', package: `prepay_id=${charge.id}`, signType: 'RSA' } };
    case 'barcode':
      return {};
    default:
      return { pay_url: payUrl };
  }
}
