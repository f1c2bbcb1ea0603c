import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/**
 * Screenshots of payer pages for a human to look at (test-artifacts/ is gitignored): the
 * look of a page is checked by eye, its behaviour by the assertions beside the shot.
 */
export async function shoot(page: Page, suite: string, name: string): Promise<void> {
  const dir = join('test-artifacts', suite);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
