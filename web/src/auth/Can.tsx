import type { ReactNode } from 'react';
import type { Permission } from './permissions';
import { usePermission } from './session';

/** Renders its children only when the current role has the permission. */
export function Can({ permission, children }: { permission: Permission; children: ReactNode }) {
  const can = usePermission();
  return can(permission) ? <>{children}</> : null;
}
