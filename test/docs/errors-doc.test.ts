import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { renderErrorsDoc } from '../../scripts/errors-doc.js';

it('docs/errors.md matches the error catalog and every dialect mapping (npm run docs:errors)', () => {
  const committed = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  // On failure: run `npm run docs:errors` and commit docs/errors.md with the change.
  expect(committed).toBe(renderErrorsDoc());
});
