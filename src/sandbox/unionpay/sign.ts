import { generateKeyPairSync } from 'node:crypto';
import { validAround } from '../_kit/validity.js';
import { type DistinguishedName, issueCertificate } from '../_kit/x509-chain.js';
import { type AcpFields, SIGN_METHOD_RSA, UNIONPAY_TEST_CN_NAME, signFields } from './acp.js';
import type { UnionpaySandboxKeys } from './keys.js';

export interface UnionpaySigner {
  /** Signs as UnionPay: signPubKeyCert in the signed fields, the signature over all of them. */
  sign(fields: AcpFields, forge?: boolean): AcpFields;
}

/**
 * UnionPay's signature on answers and notifications; with `forge`, a chain that names itself
 * exactly like the real one but was issued by a stranger's root (the `forge` fault).
 */
export function unionpaySigner(keys: UnionpaySandboxKeys, now: () => Date): UnionpaySigner {
  let forged: { privateKeyPem: string; certPem: string } | undefined;
  const forgedSigner = () => {
    if (forged) return forged;
    const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [middle, leaf] = [pair(), pair()];
    const middleName: DistinguishedName = [
      ['C', 'CN'],
      ['O', 'Juhe Sandbox Certification Authority'],
      ['CN', 'Juhe Sandbox UnionPay OCA1'],
    ];
    const cert = issueCertificate({
      subject: [
        ['C', 'CN'],
        ['O', 'China UnionPay'],
        ['OU', 'Juhe Sandbox'],
        ['CN', `041@Z00000000000000@${UNIONPAY_TEST_CN_NAME}@00000001`],
      ],
      subjectPublicKey: leaf.publicKey,
      issuer: { name: middleName, privateKey: middle.privateKey },
      ca: false,
      ...validAround(now(), 1),
    });
    forged = {
      privateKeyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certPem: cert.pem,
    };
    return forged;
  };
  return {
    sign(fields, forge = false) {
      const signer = forge ? forgedSigner() : keys.unionpay;
      const out: AcpFields = { ...fields, signMethod: SIGN_METHOD_RSA, signPubKeyCert: signer.certPem };
      out.signature = signFields(out, signer.privateKeyPem);
      return out;
    },
  };
}
