// Loaded with `node --import` by tests that check what a command really loads: appends the
// URL of every module the process resolves to the file in ROOMLINK_MODULE_LOG.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(process.env.ROOMLINK_MODULE_LOG ?? '/dev/null')}, result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
