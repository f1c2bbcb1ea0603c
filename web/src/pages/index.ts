import type { ConsolePage } from './types';
import { loginPage } from './login';
import { overviewPage } from './overview';
import { transactionsPage } from './transactions';
import { appsPage } from './apps';
import { auditPage } from './audit';
import { channelsPage } from './channels';
import { checkoutLinksPage } from './checkout-links';
import { sandboxPage } from './sandbox';
import { storesPage } from './stores';
import { usersPage } from './users';
import { webhooksPage } from './webhooks';
import { reconciliationPage } from './reconciliation';
import { settlementPage } from './settlement';
// PAGES-IMPORTS (one line per page folder; keep the two lists in the same order)

/**
 * Every page of the console's side menu. Adding a page: create pages/<name>/ with index.ts
 * (`definePage({...})`), locales.ts and the lazy component, then add one import above and one
 * entry below. The shell filters by permission and sorts by `order`.
 */
export const pages: ConsolePage[] = [
  overviewPage,
  transactionsPage,
  checkoutLinksPage,
  appsPage,
  storesPage,
  channelsPage,
  webhooksPage,
  usersPage,
  auditPage,
  sandboxPage,
  reconciliationPage,
  settlementPage,
  // PAGES-LIST
];

/** Pages outside the shell (no menu entry, no login needed): only their strings are registered here. */
export const standalonePages: Pick<ConsolePage, 'name' | 'locales'>[] = [loginPage];
