import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { JuheError } from '../../domain/errors.js';
import { channelConfigOf } from '../apps/credential-cache.js';
import type { Store } from '../apps/stores.js';
import type { Core } from '../context.js';

/** The providers a payer can pay a store's QR with, in the order the pages show them. */
export type QrProvider = 'wechatpay' | 'alipay' | 'unionpay';
export const QR_PROVIDERS: readonly QrProvider[] = ['wechatpay', 'alipay', 'unionpay'];

/**
 * Which apps can pay this store's QR: a test store pays through the simulators unless its
 * app disabled the provider; a live store needs the provider's enabled channel config
 * (the same rule as the store API's paylist).
 */
export async function storeQrProviders(core: Core, store: Store): Promise<QrProvider[]> {
  const available: QrProvider[] = [];
  for (const provider of QR_PROVIDERS) {
    const config = await channelConfigOf(core, store.appId, store.livemode, provider);
    if (store.livemode ? config?.enabled === true : config?.enabled !== false) available.push(provider);
  }
  return available;
}

/**
 * The CJK fonts looked for, first found wins: Debian's fonts-noto-cjk (a TrueType collection,
 * so the face is named: 'NotoSansCJKsc-Regular' is its Simplified Chinese face).
 */
export const CJK_FONTS: readonly { path: string; family?: string }[] = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf' },
];

const METHOD_NAMES: Record<QrProvider, { zh: string; en: string; colour: string }> = {
  wechatpay: { zh: '微信支付', en: 'WeChat Pay', colour: '#07c160' },
  alipay: { zh: '支付宝', en: 'Alipay', colour: '#1677ff' },
  unionpay: { zh: '云闪付', en: 'UnionPay', colour: '#d7000f' },
};

export interface StoreQrSheet {
  storeName: string;
  /** The desk or terminal the code stands on; null for the whole store. */
  label: string | null;
  /** What the QR holds: the /q/<id> URL. */
  url: string;
  providers: readonly QrProvider[];
  size: 'A4' | 'A5';
}

/**
 * The printable sheet of a store's aggregated QR (一码付): the store's name, the desk, the
 * code drawn as vector squares (sharp at any printer's resolution, error correction M with
 * a 4-module quiet zone), and the names of the apps that can pay, in the apps' colours.
 * The CJK font is embedded as a subset of the glyphs used, so the file stays small (about
 * 70 KB) and prints the same everywhere. No CJK font installed is a clear `unavailable`
 * error, not a sheet of empty boxes.
 */
export async function storeQrSheetPdf(
  sheet: StoreQrSheet,
  fonts: readonly { path: string; family?: string }[] = CJK_FONTS,
): Promise<Buffer> {
  const font = fonts.find((f) => existsSync(f.path));
  if (!font) {
    throw new JuheError(
      'unavailable',
      `No CJK font is installed for the PDF sheet (looked for ${fonts.map((f) => f.path).join(', ')}): install fonts-noto-cjk`,
    );
  }
  const doc = new PDFDocument({
    size: sheet.size,
    margin: 0,
    info: { Title: `${sheet.storeName} 收款码`, Creator: 'Juhe', Producer: 'Juhe' },
    lang: 'zh-CN',
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  doc.registerFont('cjk', font.path, font.family);
  doc.font('cjk');

  const { width, height } = doc.page;
  const scale = sheet.size === 'A4' ? 1 : 1 / Math.SQRT2;
  const margin = 48 * scale;
  const inner = width - 2 * margin;
  // The brand band with the store's name.
  doc.rect(0, 0, width, 150 * scale).fill('#1f2329');
  doc
    .fillColor('#ffffff')
    .fontSize(34 * scale)
    .text(sheet.storeName, margin, 40 * scale, { width: inner, align: 'center', height: 50 * scale });
  if (sheet.label) {
    doc
      .fontSize(18 * scale)
      .fillColor('#c9cdd4')
      .text(sheet.label, margin, 95 * scale, { width: inner, align: 'center' });
  }

  // The code, as squares on a white ground.
  const code = QRCode.create(sheet.url, { errorCorrectionLevel: 'M' });
  const modules = code.modules.size;
  const quiet = 4;
  const side = Math.min(inner, (sheet.size === 'A4' ? 400 : 330) * scale);
  const cell = side / (modules + 2 * quiet);
  const left = (width - side) / 2;
  const top = 190 * scale;
  doc.rect(left, top, side, side).fill('#ffffff');
  doc.fillColor('#000000');
  for (let row = 0; row < modules; row += 1) {
    for (let col = 0; col < modules; col += 1) {
      if (code.modules.get(row, col)) {
        doc.rect(left + (col + quiet) * cell, top + (row + quiet) * cell, cell + 0.05, cell + 0.05);
      }
    }
  }
  doc.fill('#000000');

  let y = top + side + 30 * scale;
  doc
    .fillColor('#1f2329')
    .fontSize(20 * scale)
    .text('扫码付款 · Scan to pay', margin, y, { width: inner, align: 'center' });
  y += 48 * scale;

  // The apps that can pay, each as a coloured pill.
  const pills = sheet.providers.map((p) => METHOD_NAMES[p]);
  doc.fontSize(15 * scale);
  const pillWidths = pills.map((p) => doc.widthOfString(`${p.zh} ${p.en}`) + 28 * scale);
  const gap = 12 * scale;
  let x = (width - (pillWidths.reduce((a, b) => a + b, 0) + gap * Math.max(0, pills.length - 1))) / 2;
  pills.forEach((p, i) => {
    doc.roundedRect(x, y, pillWidths[i]!, 30 * scale, 15 * scale).fill(p.colour);
    doc
      .fillColor('#ffffff')
      .text(`${p.zh} ${p.en}`, x, y + 6 * scale, { width: pillWidths[i]!, align: 'center' });
    x += pillWidths[i]! + gap;
  });
  y += 60 * scale;
  doc
    .fillColor('#5c6370')
    .fontSize(12 * scale)
    .text(`请使用${pills.map((p) => p.zh).join('、')}扫一扫付款`, margin, y, {
      width: inner,
      align: 'center',
    });
  doc
    .fillColor('#8a8f99')
    .fontSize(9 * scale)
    .text(sheet.url, margin, height - 40 * scale, { width: inner, align: 'center' });
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
