import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The CSRF token of a console session: derived from the session's secret cookie, so it needs
 * no storage, changes whenever the session does (a new one at every login) and cannot be
 * computed by another site, which never sees the HttpOnly cookie. The console reads it from
 * POST /login or GET /me and sends it back in `x-csrf-token` with every change.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('juhe-csrf\0').update(sessionToken).digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
