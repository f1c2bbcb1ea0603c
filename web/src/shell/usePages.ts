import { useMemo } from 'react';
import { usePermission } from '../auth/session';
import { pages } from '../pages';

/** The registry's pages this role may open, in menu order. */
export function usePages() {
  const can = usePermission();
  return useMemo(() => pages.filter((p) => can(p.permission)).sort((a, b) => a.order - b.order), [can]);
}
