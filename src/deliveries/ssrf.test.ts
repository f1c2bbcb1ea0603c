import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import {
  TargetRefusedError,
  checkTargetOnRegistration,
  checkTargetUrl,
  defaultAllowPrivateTargets,
  guardedLookup,
  isPrivateAddress,
} from './ssrf.js';

describe('SSRF guard', () => {
  it('classifies IPv4 and IPv6 addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
      '2002:c0a8:0101::1', // 6to4 of 192.168.1.1
      'fe80::1%eth0',
    ]) {
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    }
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '1.1.1.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '2002:0808:0808::1',
    ]) {
      expect([address, isPrivateAddress(address)]).toEqual([address, false]);
    }
    expect(isPrivateAddress('not-an-ip')).toBe(true);
  });

  it('checks scheme, credentials and literal hosts of a URL', () => {
    expect(() => checkTargetUrl('ftp://example.com/x', true)).toThrow(
      'only http and https targets are allowed, not ftp:',
    );
    expect(() => checkTargetUrl('https://user:pw@example.com/', true)).toThrow(
      'credentials in the URL are not allowed',
    );
    expect(() => checkTargetUrl('http://[::1]:8080/', false)).toThrow(
      'target address ::1 is private, loopback or link-local',
    );
    expect(() => checkTargetUrl('http://169.254.169.254/latest', false)).toThrow(TargetRefusedError);
    expect(() => checkTargetUrl('http://api.localhost/', false)).toThrow(
      'target host api.localhost is loopback',
    );
    expect(checkTargetUrl('http://127.0.0.1:9/', true).port).toBe('9');
    expect(checkTargetUrl('https://merchant.example/notify', false).hostname).toBe('merchant.example');
  });

  it('refuses loopback names however they are spelled (#15.13)', () => {
    for (const url of ['http://localhost./', 'http://LOCALHOST/', 'http://api.localhost../x'])
      expect(() => checkTargetUrl(url, false), url).toThrow(TargetRefusedError);
    expect(checkTargetUrl('http://localhost./', true).hostname).toBe('localhost.');
  });

  it('at registration, refuses a name that resolves to a private address today', async () => {
    // The machine's own name, and any other name /etc/hosts maps to a private address,
    // through the real resolver (no network needed).
    await expect(checkTargetOnRegistration(`http://${hostname()}:8080/hook`, false)).rejects.toThrow(
      TargetRefusedError,
    );
    const local = readFileSync('/etc/hosts', 'utf8')
      .split('\n')
      .flatMap((line) => {
        const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
        return address && isIP(address) && isPrivateAddress(address) ? names : [];
      })
      .find((name) => name && name !== 'localhost' && name !== hostname());
    if (local)
      await expect(checkTargetOnRegistration(`http://${local}/hook`, false)).rejects.toThrow(/resolves to/);
    // Wildcard DNS (127.0.0.1.nip.io) needs the internet: its answer is given here.
    const wildcard = async () => [{ address: '127.0.0.1', family: 4 }];
    await expect(checkTargetOnRegistration('https://127.0.0.1.nip.io/hook', false, wildcard)).rejects.toThrow(
      'target 127.0.0.1.nip.io resolves to 127.0.0.1',
    );
    const publicAnswer = async () => [{ address: '93.184.215.14', family: 4 }];
    expect((await checkTargetOnRegistration('https://shop.example/hook', false, publicAnswer)).host).toBe(
      'shop.example',
    );
    // Allowed outright in development, and a name that does not resolve is left to connect time.
    expect((await checkTargetOnRegistration('http://127.0.0.1.nip.io/', true, wildcard)).port).toBe('');
    expect((await checkTargetOnRegistration('https://no-such-name.invalid/hook', false)).hostname).toBe(
      'no-such-name.invalid',
    );
  });

  it('refuses at DNS time a name that resolves to a private address', async () => {
    const lookup = (allow: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        guardedLookup(allow)('localhost', { all: true }, (err, address) => resolve({ err, address })),
      );
    const refused = await lookup(false);
    expect(refused.err?.code).toBe('ETARGETREFUSED');
    expect(refused.err?.message).toMatch(
      /^target localhost resolves to (127\.0\.0\.1|::1), a private, loopback or link-local address$/,
    );
    const allowed = await lookup(true);
    expect(allowed.err).toBeNull();
    expect((allowed.address as Array<{ address: string }>).length).toBeGreaterThan(0);
  });

  it('is on by default only in production', () => {
    expect(defaultAllowPrivateTargets({ NODE_ENV: 'production' })).toBe(false);
    expect(defaultAllowPrivateTargets({})).toBe(true);
    expect(defaultAllowPrivateTargets({ NODE_ENV: 'production', JUHE_ALLOW_PRIVATE_TARGETS: 'true' })).toBe(
      true,
    );
    expect(defaultAllowPrivateTargets({ JUHE_ALLOW_PRIVATE_TARGETS: 'false' })).toBe(false);
  });
});
