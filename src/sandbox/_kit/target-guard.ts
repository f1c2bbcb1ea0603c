import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

/**
 * The simulators' own guard on where they send (notifications, followed redirects): a
 * simulator runs beside the gateway, or alone with `juhe sandbox`, and imports nothing of the
 * gateway's, so it keeps this small copy of the rule rather than the gateway's SSRF module.
 * Private, loopback and link-local targets are refused only when the operator says so
 * (JUHE_ALLOW_PRIVATE_TARGETS=false, or NODE_ENV=production without it): a sandbox mostly
 * talks to a gateway on loopback.
 */
export const allowPrivateTargets = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.JUHE_ALLOW_PRIVATE_TARGETS ? env.JUHE_ALLOW_PRIVATE_TARGETS === 'true' : env.NODE_ENV !== 'production';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4'); // prettier-ignore
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fe80::', 10], ['fc00::', 7], ['ff00::', 8]] as const)
  blocked.addSubnet(net, prefix, 'ipv6'); // prettier-ignore

/** Loopback, private, link-local or reserved (IPv4-mapped IPv6 included); anything not an address too. */
export function isPrivateTarget(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) return blocked.check(address.split('%')[0], 'ipv6');
  return true;
}

/** Throws unless `url` is http(s) without credentials and, when private targets are refused, not an IP literal or localhost of one. */
export function checkTarget(url: string, allowPrivate = allowPrivateTargets()): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error(`refused target ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new Error('refused target with credentials');
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    !allowPrivate &&
    ((isIP(host) && isPrivateTarget(host)) || host === 'localhost' || host.endsWith('.localhost'))
  )
    throw new Error(`refused private target ${host}`);
  return parsed;
}

/** An undici agent whose DNS lookup refuses names that resolve to private addresses (unless allowed). */
export function guardedAgent(allowPrivate = allowPrivateTargets()): Agent {
  const lookup = (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '');
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateTarget(a.address));
      if (bad || addresses.length === 0) {
        const error = new Error(`refused target ${hostname}`) as NodeJS.ErrnoException;
        error.code = 'ETARGETREFUSED';
        return callback(error, options.all ? [] : '');
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  return new Agent({ connect: { lookup: lookup as never } });
}
