import forge from 'node-forge';
import { JuheError } from '../../domain/errors.js';

/** A PKCS#12 bundle's private key (PKCS#8 PEM) and its certificate (PEM). */
export interface Pkcs12Contents {
  privateKeyPem: string;
  certificatePem: string | undefined;
}

/**
 * Opens a .p12/.pfx as providers hand them out (UnionPay's acp_test_sign.pfx, WeChat Pay's
 * apiclient_cert.p12: legacy 3DES/RC2 bags, or PBES2/AES from newer OpenSSL) with node-forge,
 * which implements all of them. A wrong password or a file that is no PKCS#12 is the
 * caller's mistake, named on `param`.
 */
export function readPkcs12(base64: string, password: string, param = 'pkcs12'): Pkcs12Contents {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const der = forge.util.decode64(base64.replace(/\s+/g, ''));
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), false, password);
  } catch (error) {
    const wrongPassword = /password|mac/i.test(String((error as Error)?.message));
    throw new JuheError(
      'invalid_parameter',
      wrongPassword
        ? `${param}: the password does not open this PKCS#12 file`
        : `${param}: not a readable PKCS#12 (.p12/.pfx) file`,
      param,
    );
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ??
      []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const key = keyBags.find((b) => b.key)?.key;
  if (!key)
    throw new JuheError('invalid_parameter', `${param}: the PKCS#12 file holds no private key`, param);
  const certBag = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []).find(
    (b) => b.cert,
  );
  return {
    privateKeyPem: forge.pki.privateKeyInfoToPem(
      forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)),
    ),
    certificatePem: certBag?.cert ? forge.pki.certificateToPem(certBag.cert) : undefined,
  };
}
