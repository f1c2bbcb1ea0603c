/** `npm run docs:errors`: regenerates docs/errors.md from the error catalog and the dialects' mappings. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderErrorsDoc } from './errors-doc.js';

const ERRORS_DOC = resolve(import.meta.dirname, '../docs/errors.md');

writeFileSync(ERRORS_DOC, renderErrorsDoc());
console.log(`wrote ${ERRORS_DOC}`);
