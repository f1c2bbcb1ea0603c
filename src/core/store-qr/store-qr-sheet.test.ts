import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JuheError } from '../../domain/errors.js';
import { CJK_FONTS, storeQrSheetPdf } from './store-qr-sheet.js';

const sheet = {
  storeName: '街角咖啡',
  label: '2号桌',
  url: 'https://pay.example.com/q/qrc_0123456789abcdef01234567',
  providers: ['wechatpay', 'alipay'] as const,
  size: 'A5' as const,
};

describe('storeQrSheetPdf', () => {
  it('answers a clear unavailable error when no CJK font is installed, not a crash', async () => {
    const error = await storeQrSheetPdf(sheet, [{ path: '/nonexistent/NotoSansCJK-Regular.ttc' }]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JuheError);
    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    expect((error as Error).message).toMatch(/fonts-noto-cjk/);
  });

  it.runIf(CJK_FONTS.some((f) => existsSync(f.path)))(
    'draws a one-page PDF with the embedded CJK subset',
    async () => {
      const pdf = await storeQrSheetPdf(sheet);
      const text = pdf.toString('latin1');
      expect(text.startsWith('%PDF-')).toBe(true);
      expect(text.match(/\/Type \/Page\b/g)).toHaveLength(1);
      expect(text).toMatch(/\+NotoSansCJKsc-Regular/);
      expect(pdf.length).toBeLessThan(200 * 1024);
    },
    30_000,
  );
});
