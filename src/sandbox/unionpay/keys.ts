import { generateKeyPairSync, randomInt } from 'node:crypto';
import type { SandboxContext } from '../_kit/context.js';
import { UNIONPAY_TEST_CN_NAME } from './acp.js';
import { loadOrCreateSealedKeys } from '../_kit/sealed-keys.js';
import { validAround } from '../_kit/validity.js';
import { type DistinguishedName, issueCertificate, randomPositiveSerial } from '../_kit/x509-chain.js';

/**
 * The simulator's certificates, as UnionPay's test environment hands them out: a root and a
 * middle CA (what a merchant configures as acpsdk.rootCert / acpsdk.middleCert), UnionPay's
 * signing certificate issued by the middle CA (sent in every answer's signPubKeyCert; its CN
 * owner part is 00040000:SIGN as in UnionPay's test environment), and the one sandbox
 * merchant's signing key and certificate (what acp_test_sign.pfx holds; its serial in
 * decimal is the certId). The CA keys are thrown away once the chain is issued.
 */
export interface UnionpaySandboxKeys {
  merId: string;
  rootCertPem: string;
  middleCertPem: string;
  unionpay: { privateKeyPem: string; certPem: string };
  merchant: { privateKeyPem: string; certPem: string; certId: string };
}

export const loadOrCreateUnionpayKeys = (ctx: SandboxContext): Promise<UnionpaySandboxKeys> =>
  loadOrCreateSealedKeys(ctx, 'upsim_keys', generateKeys);

const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
  key.export({ type: 'pkcs8', format: 'pem' }) as string;

function generateKeys(now: Date): UnionpaySandboxKeys {
  const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const [root, middle, unionpay, merchant] = [pair(), pair(), pair(), pair()];
  const { notBefore, notAfter } = validAround(now, 10);
  const rootName: DistinguishedName = [
    ['C', 'CN'],
    ['O', 'Juhe Sandbox Certification Authority'],
    ['CN', 'Juhe Sandbox UnionPay Root CA'],
  ];
  const middleName: DistinguishedName = [
    ['C', 'CN'],
    ['O', 'Juhe Sandbox Certification Authority'],
    ['CN', 'Juhe Sandbox UnionPay OCA1'],
  ];
  const issuedRoot = issueCertificate({
    subject: rootName,
    subjectPublicKey: root.publicKey,
    selfPrivateKey: root.privateKey,
    ca: true,
    notBefore,
    notAfter,
  });
  const issuedMiddle = issueCertificate({
    subject: middleName,
    subjectPublicKey: middle.publicKey,
    issuer: { name: rootName, privateKey: root.privateKey },
    ca: true,
    notBefore,
    notAfter,
  });
  const issuedUnionpay = issueCertificate({
    subject: [
      ['C', 'CN'],
      ['O', 'China UnionPay'],
      ['OU', 'Juhe Sandbox'],
      ['CN', `041@Z${digits(14)}@${UNIONPAY_TEST_CN_NAME}@00000001`],
    ],
    subjectPublicKey: unionpay.publicKey,
    issuer: { name: middleName, privateKey: middle.privateKey },
    ca: false,
    notBefore,
    notAfter,
    serial: randomPositiveSerial(5),
  });
  const merId = `777290058${digits(6)}`;
  const issuedMerchant = issueCertificate({
    subject: [
      ['C', 'CN'],
      ['O', 'Juhe Sandbox Merchant'],
      ['CN', `041@Z${digits(14)}@${merId}@00000001`],
    ],
    subjectPublicKey: merchant.publicKey,
    issuer: { name: middleName, privateKey: middle.privateKey },
    ca: false,
    notBefore,
    notAfter,
    serial: randomPositiveSerial(5),
  });
  return {
    merId,
    rootCertPem: issuedRoot.pem,
    middleCertPem: issuedMiddle.pem,
    unionpay: { privateKeyPem: pem(unionpay.privateKey), certPem: issuedUnionpay.pem },
    merchant: {
      privateKeyPem: pem(merchant.privateKey),
      certPem: issuedMerchant.pem,
      certId: issuedMerchant.serialDecimal,
    },
  };
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 1e9)).padStart(9, '0');
  return out.slice(0, n);
}
