import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nativeSignature, signatureHeader, verifyJuheSignature } from './native.js';

describe('Juhe-Signature', () => {
  const body = '{"id":"evt_1","type":"charge.succeeded"}';
  const now = new Date('2026-03-01T08:00:00Z');
  const t = Math.floor(now.getTime() / 1000);

  it('is hex HMAC-SHA256 of "<t>.<body>", one v1 per active secret', () => {
    const expected = createHmac('sha256', 'whsec_a').update(`${t}.${body}`).digest('hex');
    expect(nativeSignature('whsec_a', t, body)).toBe(expected);
    const header = signatureHeader(['whsec_a', 'whsec_b'], t, body);
    expect(header).toBe(`t=${t},v1=${expected},v1=${nativeSignature('whsec_b', t, body)}`);
  });

  it('verifies with any held secret, within the tolerance', () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], t, body);
    expect(verifyJuheSignature(header, body, 'whsec_old', now)).toEqual({ ok: true, timestamp: t });
    expect(verifyJuheSignature(header, Buffer.from(body), ['whsec_x', 'whsec_new'], now)).toEqual({
      ok: true,
      timestamp: t,
    });
    expect(verifyJuheSignature(header, body, 'whsec_other', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyJuheSignature(header, body + ' ', 'whsec_new', now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    const later = new Date(now.getTime() + 300_000);
    expect(verifyJuheSignature(header, body, 'whsec_new', later).ok).toBe(true);
    expect(verifyJuheSignature(header, body, 'whsec_new', new Date(later.getTime() + 1000))).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifyJuheSignature(header, body, 'whsec_new', new Date(now.getTime() - 301_000)).ok).toBe(false);
    expect(verifyJuheSignature(header, body, 'whsec_new', later, 60)).toEqual({ ok: false, reason: 'stale' });
  });

  it('rejects malformed headers', () => {
    for (const header of [undefined, '', 'v1=abc', `t=${t}`, `t=x,v1=${'0'.repeat(64)}`, `t=${t},v1=zz`]) {
      expect(verifyJuheSignature(header, body, 'whsec_a', now)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
