import type { Role } from './roles.js';

/**
 * Every permission an admin route can require, with what it lets you do. Roles are sets of
 * these, not ranks: a finance user may refund but not touch webhooks, a developer the reverse.
 * `owners.manage` guards no route of its own: it is what makes owner users and owner tokens
 * mintable only by an owner (a role is granted only within the granter's own set).
 */
export const PERMISSIONS = {
  read: 'Read charges, refunds, apps, stores, configs, webhooks, deliveries and records',
  'charges.write': 'Create and cancel charges',
  'refunds.write': 'Refund charges',
  'apps.write': 'Create merchants, apps, stores, cashiers and terminals',
  'credentials.reveal': "Show an app's dialect secrets (audited)",
  'credentials.rotate':
    "Issue, import or rotate an app's dialect credentials; rotate a store's open_key and change its supervisor password",
  'channels.write': 'Save and delete upstream channel configs',
  'webhooks.write': 'Manage webhook endpoints and replay deliveries',
  'users.write': 'List and create console users',
  'api_tokens.create': 'Mint API tokens (never with more than your own permissions)',
  'audit.read': 'Read the audit log',
  'reconciliation.run':
    "Reconcile a day against the providers' statements (downloads them, repairs by query)",
  test_helpers: 'Act as the payer and drive the sandbox simulators (test mode)',
  'owners.manage': 'Create owner users and owner tokens',
} as const;

export type Permission = keyof typeof PERMISSIONS;

const ALL = Object.keys(PERMISSIONS) as Permission[];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(ALL),
  admin: new Set(ALL.filter((p) => p !== 'owners.manage')),
  // Wires integrations; cannot move money back, see or rotate dialect keys, or read the audit log.
  developer: new Set<Permission>([
    'read',
    'charges.write',
    'apps.write',
    'channels.write',
    'webhooks.write',
    'api_tokens.create',
    'test_helpers',
  ]),
  finance: new Set<Permission>([
    'read',
    'charges.write',
    'refunds.write',
    'audit.read',
    'reconciliation.run',
    'api_tokens.create',
  ]),
  viewer: new Set<Permission>(['read', 'api_tokens.create']),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.has(permission) ?? false;
}

/** A role may be granted (to a token or a new user) only if it adds no permission the granter lacks. */
export function canGrant(granter: Role, granted: Role): boolean {
  for (const permission of ROLE_PERMISSIONS[granted]) if (!roleAllows(granter, permission)) return false;
  return true;
}
