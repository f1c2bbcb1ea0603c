import type { ComponentType, LazyExoticComponent, ReactNode } from 'react';
import type { Permission } from '../auth/permissions';

/** A page's own strings, one object per language with the same keys (a test checks they match). */
export interface PageLocales {
  'zh-CN': Record<string, unknown>;
  'en-US': Record<string, unknown>;
}

/**
 * One console page, as its folder declares it in pages/<name>/index.ts. The shell builds the
 * side menu and the routes from the list in pages/index.ts; each page's strings live in the
 * i18n namespace named after it (`useTranslation('<name>')`, key `menu` is its menu label).
 */
export interface ConsolePage {
  /** Folder name, i18n namespace and default path segment. */
  name: string;
  /** Path under /console/ (no leading slash); may contain nested routes via `/*`. */
  path: string;
  icon: ReactNode;
  /** The admin API permission the page needs to be shown at all (actions inside check their own). */
  permission: Permission;
  component: LazyExoticComponent<ComponentType>;
  locales: PageLocales;
  /** Menu position: lower first. */
  order: number;
  /** Menu group key in the `common` namespace's `menuGroup` (undefined: top level). */
  group?: 'payments' | 'developers' | 'settings';
}

export function definePage(page: ConsolePage): ConsolePage {
  return page;
}
