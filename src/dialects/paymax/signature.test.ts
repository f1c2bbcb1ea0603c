import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signSha1WithRsa, signSha1WithRsaOffLoop, verifySha1WithRsa } from './signature.js';

/**
 * Golden vectors: two webhook deliveries captured from the real Paymax and the public key
 * that verifies them (copied verbatim from specs/samples/paymax-webhook/).
 */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const paymaxPublicKey = fixture('paymax-public-key.pem');

interface Capture {
  request: { headers: Record<string, string[]>; content: string };
}
const captures: Array<[string, Capture]> = [
  ['success.json', JSON.parse(fixture('success.json'))],
  ['failed.json', JSON.parse(fixture('failed.json'))],
];

describe('paymax SHA1withRSA signatures', () => {
  it('signs the same bytes on the thread pool as on the event loop (PKCS#1 v1.5 is deterministic)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const answer = JSON.stringify({ id: 'ch_1', subject: '香烟', amount: 0.01 });
    const offLoop = await signSha1WithRsaOffLoop(answer, privatePem);
    expect(offLoop).toBe(signSha1WithRsa(answer, privatePem));
    expect(verifySha1WithRsa(answer, offLoop, publicPem)).toBe(true);
  });

  it.each(captures)('accepts the captured webhook %s with the captured public key', (_name, capture) => {
    const { content, headers } = capture.request;
    // Content-length in the capture counts UTF-8 bytes (the bodies contain Chinese text).
    expect(Buffer.byteLength(content, 'utf8')).toBe(Number(headers['Content-length'][0]));
    expect(verifySha1WithRsa(content, headers.Sign[0], paymaxPublicKey)).toBe(true);
    expect(verifySha1WithRsa(Buffer.from(content, 'utf8'), headers.Sign[0], paymaxPublicKey)).toBe(true);
  });

  it.each(captures)('rejects the captured webhook %s once its body is altered', (_name, capture) => {
    const { content, headers } = capture.request;
    const sign = headers.Sign[0];
    expect(
      verifySha1WithRsa(content.replace('"livemode":false', '"livemode":true'), sign, paymaxPublicKey),
    ).toBe(false);
    expect(verifySha1WithRsa(content.replace(/"amount":[\d.]+/, '"amount":999'), sign, paymaxPublicKey)).toBe(
      false,
    );
    expect(verifySha1WithRsa(content + ' ', sign, paymaxPublicKey)).toBe(false);
  });

  it('rejects one capture signature over the other capture body', () => {
    const [[, a], [, b]] = captures;
    expect(verifySha1WithRsa(a.request.content, b.request.headers.Sign[0], paymaxPublicKey)).toBe(false);
  });

  it('accepts the public key as bare base64 (how consoles show it) as well as PEM', () => {
    const bare = paymaxPublicKey
      .split('\n')
      .filter((line) => line && !line.startsWith('-----'))
      .join('');
    const [, capture] = captures[0];
    expect(verifySha1WithRsa(capture.request.content, capture.request.headers.Sign[0], bare)).toBe(true);
  });

  it('treats malformed signatures and keys as a failed check, never an exception', () => {
    const [, capture] = captures[0];
    const body = capture.request.content;
    for (const bad of [undefined, null, '', '   ', 'not base64!', 'AAAA', 'ü']) {
      expect(verifySha1WithRsa(body, bad as string | undefined, paymaxPublicKey)).toBe(false);
    }
    expect(verifySha1WithRsa(body, capture.request.headers.Sign[0], 'garbage')).toBe(false);
  });

  it('signs so that the same verifier accepts, over UTF-8 bytes of non-ASCII text', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const [, capture] = captures[0];
    const body = capture.request.content;
    const sign = signSha1WithRsa(body, privatePem);
    // PKCS#1 v1.5 is deterministic: string and byte input give the same signature.
    expect(signSha1WithRsa(Buffer.from(body, 'utf8'), privatePem)).toBe(sign);
    expect(verifySha1WithRsa(body, sign, publicPem)).toBe(true);
    expect(verifySha1WithRsa(body, sign, paymaxPublicKey)).toBe(false);
    // Signing the UTF-16/latin1 bytes instead of UTF-8 would not verify.
    expect(verifySha1WithRsa(Buffer.from(body, 'latin1'), sign, publicPem)).toBe(false);
    // A PKCS#1 ("BEGIN RSA PRIVATE KEY") key, as Paymax's own key tool wrote them, signs the same.
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(signSha1WithRsa(body, pkcs1)).toBe(sign);
  });
});
