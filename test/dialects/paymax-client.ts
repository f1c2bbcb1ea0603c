/**
 * A Paymax client written from the document (specs/paymax-api.md + FACTS.md), with
 * node:crypto only: it signs the raw UTF-8 body with the merchant private key into the
 * `sign` header, sends the secret key as `Authorization`, and accepts a < 400 answer only
 * after verifying `sign` over `res_data` with the platform public key.
 */
import { createSign, createVerify } from 'node:crypto';
import { expect } from 'vitest';
import type { IssuedCredentials } from '../../src/core/apps/create-app.js';

export interface Answer {
  status: number;
  /** The verified, parsed res_data (status < 400). */
  data?: any;
  /** The bare error object (status >= 400). */
  error?: { failure_code: string; failure_msg: string };
  resData?: string;
}

interface SendOptions {
  secretKey?: string | null;
  /** Replaces the computed sign header (null: no header). */
  sign?: string | null;
  /** Alters the bytes after signing. */
  tamper?: (raw: string) => string;
  contentType?: string | null;
  privateKeyPem?: string;
}

export class PaymaxClient {
  constructor(
    readonly base: string,
    readonly secretKey: string,
    readonly privateKeyPem: string,
    readonly platformPublicKeyPem: string,
  ) {}

  async post(path: string, body: unknown, options: SendOptions = {}): Promise<Answer> {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const sign = merchantSign(raw, options.privateKeyPem ?? this.privateKeyPem);
    const headers: Record<string, string> = {
      'X-Paymax-Client-User-Agent': JSON.stringify({ lang: 'node', publisher: 'Paymax' }),
    };
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (contentType !== null) headers['Content-Type'] = contentType;
    const secretKey = options.secretKey === undefined ? this.secretKey : options.secretKey;
    if (secretKey !== null) headers.Authorization = secretKey;
    const signHeader = options.sign === undefined ? sign : options.sign;
    if (signHeader !== null) headers.sign = signHeader;
    const sent = options.tamper ? options.tamper(raw) : raw;
    const response = await fetch(this.base + path, {
      method: 'POST',
      headers,
      body: Buffer.from(sent, 'utf8'),
    });
    return this.read(response);
  }

  async get(path: string, options: { secretKey?: string | null } = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    const secretKey = options.secretKey === undefined ? this.secretKey : options.secretKey;
    if (secretKey !== null) headers.Authorization = secretKey;
    return this.read(await fetch(this.base + path, { headers }));
  }

  private async read(response: Response): Promise<Answer> {
    const text = await response.text();
    const json = JSON.parse(text);
    if (response.status >= 400) {
      expect(Object.keys(json).sort()).toEqual(['failure_code', 'failure_msg']);
      return { status: response.status, error: json };
    }
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(json).sort()).toEqual(['res_data', 'sign']);
    if (!platformSigned(json.res_data, json.sign, this.platformPublicKeyPem)) {
      throw new Error('Invalid Response.[Response Data And Sign Verify Failure.]');
    }
    return { status: response.status, data: JSON.parse(json.res_data), resData: json.res_data };
  }
}

/** The merchant's `sign` header: RSA-SHA1 over the raw UTF-8 body, base64, as the Paymax SDKs make it. */
export function merchantSign(raw: string, privateKeyPem: string): string {
  return createSign('RSA-SHA1').update(Buffer.from(raw, 'utf8')).sign(privateKeyPem, 'base64');
}

/** Whether `sign` is the platform's RSA-SHA1 signature over these bytes (an answer's res_data, a webhook body). */
export function platformSigned(data: string | Buffer, sign: string, platformPublicKeyPem: string): boolean {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return createVerify('RSA-SHA1').update(bytes).verify(platformPublicKeyPem, sign, 'base64');
}

/** The client of an app's credentials of one mode, as its merchant would configure it. */
export function clientOf(base: string, credentials: IssuedCredentials): PaymaxClient {
  return new PaymaxClient(
    base,
    credentials.paymax.secretKey,
    credentials.paymax.merchantPrivateKeyPem!,
    credentials.paymax.platformPublicKeyPem,
  );
}
