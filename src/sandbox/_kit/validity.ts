const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The validity of a simulator's certificates. Tests move the business clock by hand and
 * connectors check certificates against it, so a certificate must hold around both that
 * clock and the wall clock: from a day before the earlier of the two to `years` (of 365
 * days) after the later.
 */
export function validAround(now: Date, years: number): { notBefore: Date; notAfter: Date } {
  const wall = Date.now();
  return {
    notBefore: new Date(Math.min(now.getTime(), wall) - DAY_MS),
    notAfter: new Date(Math.max(now.getTime(), wall) + years * 365 * DAY_MS),
  };
}
