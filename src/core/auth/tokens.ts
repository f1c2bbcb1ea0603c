import { createHash } from 'node:crypto';

/** Bearer tokens, session cookies and API secrets are stored only as this hash. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
