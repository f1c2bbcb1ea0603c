import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { WorkSlots } from './work-slots.js';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

// N=2^15 costs ~50 ms on this class of machine: slow for a guesser, fine for a login.
const PARAMS = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

// Process-wide, because the CPU is: one hash at a time (~20 a second), 64 waiting at most.
const hashing = new WorkSlots(1, 64);

/**
 * A hash of a random password nobody knows, checked when the email is unknown so that an
 * unknown email costs the same scrypt work as a known one (no timing tells which exist).
 */
export const UNKNOWN_USER_HASH =
  'scrypt$32768$8$1$ojNQg9BxYybuW0vBZpuIhA$bZnr4b5Aa9tZrDmqu6Q9JLZqJDOca7g7bNnq4Jor4uM';

/** "scrypt$N$r$p$salt$hash" so parameters can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await hashing.run(() => scrypt(password, salt, 32, PARAMS));
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await hashing.run(() =>
    scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: PARAMS.maxmem,
    }),
  );
  return timingSafeEqual(actual, expected);
}

/** The seam login goes through, so a test can see that a hash ran for an unknown email too. */
export const passwordWork = { verify: verifyPassword };
