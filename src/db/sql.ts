import { sqlBuilder } from './sql-builder.js';
import type { DB } from './schema.js';

export { firstRow, rows, sqlBuilder } from './sql-builder.js';

/** The gateway's tables. */
export const sql = sqlBuilder<DB>();
