import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * The SSRF guard: a merchant-supplied URL must not make the gateway talk to itself, its
 * cloud metadata service (169.254.169.254) or the operator's private network. Checked on the
 * addresses DNS actually returns, at connect time (the lookup below is what the socket
 * uses), so a name that resolves to a public address at registration and to 127.0.0.1
 * later (DNS rebinding) is still refused.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['fc00::', 7], // unique local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['100::', 64], // discard
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** IPv4 carried inside an IPv6 address: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const groups = expandIpv6(lower);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6], groups[7]);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6], groups[7]);
  if (groups[0] === 0x2002) return v4(groups[1], groups[2]);
  // IPv4-compatible (deprecated) ::a.b.c.d
  if (zeros(0, 6) && (groups[6] !== 0 || groups[7] > 1)) return v4(groups[6], groups[7]);
  return null;
}

function expandIpv6(address: string): number[] | null {
  let text = address.split('%')[0];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const p = tail[1].split('.').map(Number);
    text =
      text.slice(0, -tail[1].length) +
      `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const missing = 8 - h.length - r.length;
  if (rest === undefined ? h.length !== 8 : missing < 0) return null;
  const all = [...h, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...r];
  const groups = all.map((g) => parseInt(g, 16));
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** True for loopback, private, link-local, CGNAT, multicast, reserved and documentation ranges. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return blocked.check(v4, 'ipv4');
    return blocked.check(address.split('%')[0], 'ipv6');
  }
  return true; // not an address at all: refuse rather than guess
}

export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

/** Checks the scheme and, for IP-literal hosts (which never go through DNS), the address. */
export function checkTargetUrl(url: string, allowPrivate: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TargetRefusedError(`not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TargetRefusedError(`only http and https targets are allowed, not ${parsed.protocol}`);
  if (parsed.username || parsed.password)
    throw new TargetRefusedError('credentials in the URL are not allowed');
  if (!allowPrivate) {
    const host = hostOf(parsed);
    if (isIP(host) && isPrivateAddress(host))
      throw new TargetRefusedError(`target address ${host} is private, loopback or link-local`);
    if (host === 'localhost' || host.endsWith('.localhost'))
      throw new TargetRefusedError(`target host ${host} is loopback`);
  }
  return parsed;
}

/** The host as DNS sees it: brackets off, lower case, the root's trailing dot (`localhost.`) dropped. */
function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.+$/, '');
}

/** How long registration waits for DNS before leaving the name to the connect-time check. */
const REGISTRATION_LOOKUP_MS = 1500;

/**
 * At registration, also resolve the name: one that points at loopback or a private network
 * today (the machine's own name, wildcard DNS such as 127.0.0.1.nip.io) is refused with a
 * clear message then, instead of failing every delivery later. A name that does not resolve
 * (yet) is let through: the connect-time lookup (`guardedLookup`) still guards every send,
 * which is what stops DNS rebinding.
 */
export async function checkTargetOnRegistration(
  url: string,
  allowPrivate: boolean,
  resolve: (host: string) => Promise<LookupAddress[]> = (host) => dnsLookupAsync(host, { all: true }),
): Promise<URL> {
  const parsed = checkTargetUrl(url, allowPrivate);
  const host = hostOf(parsed);
  if (allowPrivate || isIP(host)) return parsed;
  const addresses = await Promise.race([
    resolve(host).catch(() => []),
    new Promise<LookupAddress[]>((resolve) => setTimeout(() => resolve([]), REGISTRATION_LOOKUP_MS).unref()),
  ]);
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad)
    throw new TargetRefusedError(
      `target ${host} resolves to ${bad.address}, a private, loopback or link-local address`,
    );
  return parsed;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `net.connect` lookup that resolves every address of the name and refuses the connection
 * if any is private (a name with one public and one private address is refused: the
 * socket could pick either). With `allowPrivate` it is the plain system lookup.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ) => {
    dnsLookup(
      hostname,
      { all: true, family: typeof options.family === 'number' ? options.family : 0 },
      (err, addresses) => {
        if (err) return callback(err, options.all ? [] : '', undefined);
        if (!allowPrivate) {
          const bad = addresses.find((a) => isPrivateAddress(a.address));
          if (bad) {
            const error = new TargetRefusedError(
              `target ${hostname} resolves to ${bad.address}, a private, loopback or link-local address`,
            ) as NodeJS.ErrnoException;
            error.code = 'ETARGETREFUSED';
            return callback(error, options.all ? [] : '', undefined);
          }
        }
        if (options.all) return callback(null, addresses);
        const first = addresses[0];
        if (!first)
          return callback(
            Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            undefined,
          );
        callback(null, first.address, first.family);
      },
    );
  };
}

/** JUHE_ALLOW_PRIVATE_TARGETS when set, else allowed except with NODE_ENV=production (config.ts). */
export function defaultAllowPrivateTargets(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.JUHE_ALLOW_PRIVATE_TARGETS
    ? env.JUHE_ALLOW_PRIVATE_TARGETS === 'true'
    : env.NODE_ENV !== 'production';
}
