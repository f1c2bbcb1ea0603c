// Preloaded into a `juhe` process by the CLI suite (`node --import`): every module URL the
// process resolves is appended to the file named by JUHE_IMPORT_LOG, so the suite can show
// that the compiled command never loads tsx.
import { register } from 'node:module';
import process from 'node:process';

const hooks = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(file) { log = file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: process.env.JUHE_IMPORT_LOG });
