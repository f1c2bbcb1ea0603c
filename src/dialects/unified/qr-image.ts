import QRCode from 'qrcode';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { verifiedDomain } from './cashier.js';
import { domainAttempts } from './domain.js';
import { type Params, required } from './params.js';

/**
 * GET pay/api/pc/qrcode: the QR code the PC cashier page shows for the order's open
 * WeChat attempt, as SVG. `pay/api/pc/pay` answers the QR content (a weixin:// URL) as the
 * document's page expects; a page still has to draw it, and this draws it on the server.
 * It takes the same signed parameters as wechatQuery, so it draws nothing but a QR code
 * this domain's own order opened.
 */
export async function wechatQrImage(core: Core, params: Params): Promise<string> {
  const domain = await verifiedDomain(core, params);
  const requestKey = required(params, 'requestKey');
  const open = (await domainAttempts(core, domain, requestKey)).find(
    (c) => isChargeUnpaid(c.status) && c.channel === 'wechatpay' && c.method === 'qr',
  );
  const content = open?.credential?.qr_code ?? open?.credential?.code_url;
  if (!open || typeof content !== 'string' || content === '') {
    throw new JuheError(
      'charge_not_found',
      `No open WeChat payment for requestKey ${requestKey}`,
      'requestKey',
    );
  }
  return QRCode.toString(content, { type: 'svg', margin: 1 });
}
