/**
 * The admin API's permission and role names, taken from the server's own definitions (types
 * only, nothing of the server is bundled), so a renamed permission fails the console's typecheck.
 */
export type { Permission } from '../../../src/core/auth/permissions.js';
export type { Role } from '../../../src/core/auth/roles.js';
