// TypeScript (firmware/ + shared/) → one ES5 file Espruino runs as-is and its Web IDE can
// upload unchanged. Three steps, each doing what it is good at:
//   1. esbuild bundles the modules into one IIFE (no ES module syntax left);
//   2. TypeScript lowers it to ES5 *without* its helpers (they are not Espruino-safe);
//   3. an AST pass fixes what Espruino's parser needs: function declarations moved to the
//      top of their block (Espruino does not hoist), every `var` moved to the top of its
//      function (Espruino declares a var only when its block runs), array holes filled, and
//      esbuild's `__require("X")` turned back into the literal `require("X")`.
// The result is then checked by espruino-check.ts; any problem fails the build.
import { dirname } from 'node:path';
import { build, type Plugin } from 'esbuild';
import ts from 'typescript';
import { parse, type Node } from 'acorn';
import { generate } from 'astring';
import { minify } from 'terser';
import { BUILTIN_MODULES, checkEspruinoSafety } from './espruino-check.ts';
import { BootOnlyError, markNoInline, moveBootOnly, moveOnDemand } from './boot-only.ts';
import { hoistVars } from './hoist-vars.ts';

export interface BundleOptions {
  /** Entry TypeScript file. */
  entry: string;
  /** Keep the entry's exports on a global of this name (for library bundles such as shared/). */
  globalName?: string;
  /** First line of the output (a comment). */
  banner?: string;
  /** Source files to bundle with other contents, by absolute path (per-node builds swap firmware/sensors/index.ts). */
  replace?: Record<string, string>;
}

function replaceFiles(files: Record<string, string>): Plugin {
  return {
    name: 'roomlink-replace',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const contents = files[args.path];
        return contents === undefined ? undefined : { contents, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

export class EspruinoBuildError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  ${problems.join('\n  ')}`);
    this.name = 'EspruinoBuildError';
  }
}

type AnyNode = Node & Record<string, any>;

/** Stable partition: directives, then function declarations, then everything else. */
function hoistFunctions(body: AnyNode[]): AnyNode[] {
  const directives = body.filter((s) => s.type === 'ExpressionStatement' && s.directive);
  const functions = body.filter((s) => s.type === 'FunctionDeclaration');
  const rest = body.filter((s) => !directives.includes(s) && !functions.includes(s));
  return [...directives, ...functions, ...rest];
}

function fixForEspruino(node: AnyNode): void {
  if (node.type === 'Program' || node.type === 'BlockStatement') node.body = hoistFunctions(node.body);
  if (node.type === 'SwitchCase') node.consequent = hoistFunctions(node.consequent);
  if (node.type === 'ArrayExpression') {
    node.elements = node.elements.map(
      (e: AnyNode | null) => e ?? { type: 'UnaryExpression', operator: 'void', prefix: true, argument: { type: 'Literal', value: 0, raw: '0' } },
    );
  }
  if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === '__require') {
    node.callee = { ...node.callee, name: 'require' };
  }
  for (const key of Object.keys(node)) {
    const child = node[key];
    if (Array.isArray(child)) {
      for (const c of child) if (c && typeof c.type === 'string') fixForEspruino(c);
    } else if (child && typeof child.type === 'string') fixForEspruino(child);
  }
}

/** Drops esbuild's `var __require = ...` shim once nothing calls it. */
function dropRequireShim(program: AnyNode): void {
  const visit = (body: AnyNode[]): AnyNode[] =>
    body.filter((s) => !(s.type === 'VariableDeclaration' && s.declarations.length === 1 && s.declarations[0].id.name === '__require'));
  program.body = visit(program.body);
  for (const stmt of program.body) {
    // The IIFE wrapper: (function () { ... })();
    const fn = stmt.expression?.callee?.type === 'FunctionExpression' ? stmt.expression.callee : stmt.expression?.callee?.expression;
    if (fn?.body?.body) fn.body.body = visit(fn.body.body);
    const init = stmt.declarations?.[0]?.init;
    const libFn = init?.callee?.type === 'FunctionExpression' ? init.callee : undefined;
    if (libFn?.body?.body) libFn.body.body = visit(libFn.body.body);
  }
}

function espruinoFixups(code: string): string {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: 5, sourceType: 'script' }) as AnyNode;
  } catch (err) {
    throw new EspruinoBuildError('the lowered bundle is not ES5', [(err as Error).message]);
  }
  fixForEspruino(program);
  dropRequireShim(program);
  hoistVars(program);
  return generate(program, { indent: '  ' });
}

/** Step 1+2+3: the readable ES5 bundle, checked. */
export async function bundleForEspruino(options: BundleOptions): Promise<string> {
  const bundled = await build({
    entryPoints: [options.entry],
    bundle: true,
    format: 'iife',
    globalName: options.globalName,
    target: 'es2022',
    platform: 'neutral',
    external: BUILTIN_MODULES,
    write: false,
    charset: 'ascii',
    legalComments: 'none',
    logLevel: 'silent',
    plugins: options.replace ? [replaceFiles(options.replace)] : [],
  });
  const lowered = ts.transpileModule(bundled.outputFiles[0].text, {
    fileName: 'firmware.js',
    compilerOptions: {
      target: ts.ScriptTarget.ES5,
      module: ts.ModuleKind.None,
      allowJs: true,
      noEmitHelpers: true,
      importHelpers: false,
      removeComments: true,
      downlevelIteration: false,
    },
  }).outputText;
  const code = (options.banner ? `${options.banner}\n` : '') + espruinoFixups(lowered);
  const problems = checkEspruinoSafety(code);
  if (problems.length > 0) throw new EspruinoBuildError(`${options.entry} would not run on Espruino`, problems);
  return code;
}

/**
 * The minified variant: terser at ES5, then the same fix-ups and check. With `boot`, the
 * functions only that function calls are then moved into it (boot-only.ts): after terser,
 * which would otherwise inline functions that make lasting closures (drivers, WiFi) into
 * the boot function, where those closures would keep its scope, and every function moved
 * into it, for good.
 */
export async function minifyForEspruino(code: string, reserved: string[], banner?: string, compress: object = {}, boot?: string): Promise<string> {
  const result = await minify(code, {
    ecma: 5,
    compress: { passes: 2, hoist_funs: true, unsafe: false, keep_fargs: true, ...compress },
    mangle: { reserved: ['require', ...reserved, ...(boot ? [boot] : [])] },
    format: { ascii_only: true, comments: false },
  });
  const program = reparseAndFix(result.code!);
  if (boot) bootOnly(program, boot);
  const fixed = (banner ? `${banner}\n` : '') + generate(program, { indent: '', lineEnd: '' });
  const problems = checkEspruinoSafety(fixed);
  if (problems.length > 0) throw new EspruinoBuildError('the minified firmware would not run on Espruino', problems);
  return fixed;
}

function reparseAndFix(code: string): AnyNode {
  const program = parse(code, { ecmaVersion: 5, sourceType: 'script' }) as AnyNode;
  fixForEspruino(program);
  hoistVars(program);
  return program;
}

function bootOnly(program: AnyNode, boot: string, onDemand: string[] = []): void {
  try {
    moveBootOnly(program, boot);
    for (const host of onDemand) moveOnDemand(program, host);
  } catch (err) {
    if (err instanceof BootOnlyError) throw new EspruinoBuildError('boot-only functions', [err.message]);
    throw err;
  }
}

/**
 * The readable bundle with the boot-only functions of `boot` moved into it, those only an
 * `onDemand` host calls moved into that host, and boot's calls to the functions that stay
 * top-level marked for terser not to inline them there.
 */
export function placeBootOnly(code: string, boot: string, onDemand: string[] = []): string {
  const banner = code.startsWith('//') ? code.slice(0, code.indexOf('\n') + 1) : '';
  const program = parse(code, { ecmaVersion: 5, sourceType: 'script' }) as AnyNode;
  bootOnly(program, boot, onDemand);
  const moved = banner + generate(program, { indent: '  ' });
  return markNoInline(moved, parse(moved, { ecmaVersion: 5, sourceType: 'script' }) as AnyNode, boot);
}
