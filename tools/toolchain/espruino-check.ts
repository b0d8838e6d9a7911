// The Espruino-safety check: reads built JavaScript and lists every construct or API that
// ../shared/ESPRUINO.md says the real interpreter cannot parse or lacks. Used on the shared/
// bundle and on dist/firmware.js, in the build and in the test suite.
import { parse, type Node } from 'acorn';
import { ancestor, base } from 'acorn-walk';

/** Globals Espruino does not have. */
const MISSING_GLOBALS = [
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'Symbol',
  'Proxy',
  'Reflect',
  'BigInt',
  'queueMicrotask',
  'setImmediate',
  'structuredClone',
  'RangeError',
];

/** Static methods Espruino does not have, by object. */
const MISSING_STATICS: Record<string, string[]> = {
  Array: ['from', 'of'],
  Object: ['freeze', 'is', 'seal', 'isFrozen', 'getOwnPropertySymbols'],
  Number: ['isInteger', 'isNaN', 'isFinite', 'EPSILON', 'isSafeInteger', 'MAX_SAFE_INTEGER'],
  Math: ['trunc', 'log10', 'log2', 'hypot', 'cbrt'],
  Promise: ['race', 'allSettled', 'any'],
  Date: ['UTC'],
};

/** Instance methods Espruino does not have (flagged whatever the receiver). */
const MISSING_METHODS = ['flat', 'flatMap', 'at', 'finally', 'trimStart', 'trimEnd', 'matchAll'];

/** TypeScript/esbuild helpers that are not Espruino-safe, and the construct that needs each. */
const UNSAFE_HELPERS: Record<string, string> = {
  __extends: 'class extends',
  __assign: 'object spread',
  __rest: 'rest in destructuring',
  __spreadArray: 'array or call spread',
  __spreadArrays: 'array or call spread',
  __spread: 'array or call spread',
  __awaiter: 'async/await',
  __generator: 'async/await or a generator',
  __values: 'for...of over an iterable',
  __read: 'destructuring an iterable',
  __makeTemplateObject: 'a tagged template',
  __await: 'async iteration',
  __asyncValues: 'async iteration',
  __classPrivateFieldGet: 'a #private field',
  __classPrivateFieldSet: 'a #private field',
  __importDefault: 'a default import of a CommonJS module',
  __importStar: 'a namespace import of a CommonJS module',
  __createBinding: 're-exports of a CommonJS module',
  __decorate: 'a decorator',
  __esDecorate: 'a decorator',
  __require: 'a require() esbuild could not keep literal',
};

/** Modules built into Espruino's ESP32 and Linux builds; others would need uploading. */
export const BUILTIN_MODULES = ['Wifi', 'Storage', 'net', 'ESP32', 'http', 'dgram', 'tls', 'crypto', 'Flash', 'heatshrink', 'fs', 'NetworkJS'];

interface Problem {
  at: number;
  text: string;
}

function regexProblem(pattern: string): string | undefined {
  let groups = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (!inClass && pattern[i + 1] === 'b') return '\\b (means backspace on Espruino)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') {
      if (pattern[i + 1] === '?') return 'a (?...) group (no non-capturing groups or lookaround)';
      groups++;
    } else if (c === '?' && i > 0) return "the '?' quantifier";
    else if (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) return 'a {n,m} quantifier';
    else if ((c === '*' || c === '+') && pattern[i - 1] === ')') return 'a quantifier on a group';
  }
  return groups > 9 ? 'more than 9 groups' : undefined;
}

function lineOf(code: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < code.length; i++) if (code.charCodeAt(i) === 10) line++;
  return line;
}

type AnyNode = Node & Record<string, any>;

function isFunction(n: AnyNode): boolean {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';
}

/** Calls to a function before its declaration in the same scope (Espruino doesn't hoist). */
function hoistingProblems(program: AnyNode, problems: Problem[]): void {
  const visitBody = (body: AnyNode[]) => {
    const declaredAt = new Map<string, number>();
    for (const stmt of body) if (stmt.type === 'FunctionDeclaration') declaredAt.set(stmt.id.name, stmt.start);
    if (declaredAt.size === 0) return;
    // References made while this body runs: not inside nested functions (they run later).
    const scan = (node: AnyNode) => {
      if (!node || typeof node.type !== 'string') return;
      if (isFunction(node)) return;
      if (node.type === 'Identifier') {
        const at = declaredAt.get(node.name);
        if (at !== undefined && node.start < at) {
          problems.push({ at: node.start, text: `'${node.name}' is used before its function declaration (Espruino does not hoist functions)` });
        }
        return;
      }
      for (const key of Object.keys(node)) {
        if (key === 'type' || key === 'start' || key === 'end') continue;
        const child = node[key];
        if (Array.isArray(child)) {
          for (const c of child) if (c && typeof c.type === 'string') scan(c);
        } else if (child && typeof child.type === 'string') scan(child);
      }
    };
    for (const stmt of body) if (stmt.type !== 'FunctionDeclaration') scan(stmt);
  };
  const walk = (node: AnyNode) => {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'Program' || node.type === 'BlockStatement') visitBody(node.body);
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (Array.isArray(child)) {
        for (const c of child) if (c && typeof c.type === 'string') walk(c);
      } else if (child && typeof child.type === 'string') walk(child);
    }
  };
  walk(program);
}

/**
 * Problems that would stop `code` from parsing or running on Espruino, each with its line.
 * An empty list means the file is safe to upload.
 */
export function checkEspruinoSafety(code: string): string[] {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: 5, sourceType: 'script' }) as AnyNode;
  } catch (err) {
    return [`does not parse as ES5 (Espruino cannot parse what is newer): ${(err as Error).message}`];
  }
  const problems: Problem[] = [];
  const declared = new Set<string>();
  ancestor(program, {
    VariableDeclarator(n: AnyNode) {
      if (n.id.type === 'Identifier') declared.add(n.id.name);
    },
    FunctionDeclaration(n: AnyNode) {
      declared.add(n.id.name);
    },
  });

  ancestor(
    program,
    {
      Identifier(n: AnyNode, _state: unknown, ancestors: Node[]) {
        const parent = ancestors[ancestors.length - 2] as AnyNode | undefined;
        const isPropertyName =
          parent &&
          ((parent.type === 'MemberExpression' && parent.property === n && !parent.computed) ||
            (parent.type === 'Property' && parent.key === n && !parent.computed));
        if (isPropertyName) return;
        if (MISSING_GLOBALS.includes(n.name) && !declared.has(n.name)) {
          problems.push({ at: n.start, text: `uses ${n.name}, which Espruino does not have` });
        }
        if (Object.hasOwn(UNSAFE_HELPERS, n.name)) {
          problems.push({ at: n.start, text: `needs the helper ${n.name}: ${UNSAFE_HELPERS[n.name]} cannot be lowered to code Espruino runs` });
        }
        if (n.name === 'arguments') {
          problems.push({ at: n.start, text: "uses 'arguments' (its length is always the declared parameter count on Espruino)" });
        }
      },
      MemberExpression(n: AnyNode) {
        if (n.computed) return;
        const name: string = n.property.name;
        if (n.object.type === 'Identifier' && MISSING_STATICS[n.object.name]?.includes(name)) {
          problems.push({ at: n.start, text: `uses ${n.object.name}.${name}, which Espruino does not have` });
        }
        if (MISSING_METHODS.includes(name)) problems.push({ at: n.start, text: `calls .${name}(), which Espruino does not have` });
        if (name === 'prototype' && n.object.type === 'Identifier' && n.object.name === 'Array') {
          // Reading methods through Array.prototype gives undefined on Espruino ([].slice works).
          problems.push({ at: n.start, text: 'reads Array.prototype (methods read through it are undefined on Espruino; use [].slice.call)' });
        }
      },
      AssignmentExpression(n: AnyNode) {
        if (n.left.type === 'MemberExpression' && !n.left.computed && n.left.property.name === 'length') {
          problems.push({ at: n.start, text: 'assigns to .length (throws on Espruino; use splice)' });
        }
      },
      ArrayExpression(n: AnyNode) {
        if (n.elements.some((e: unknown) => e === null)) problems.push({ at: n.start, text: 'array literal with holes (a parser bug on Espruino)' });
      },
      VariableDeclaration(n: AnyNode, _state: unknown, ancestors: Node[]) {
        // Espruino declares a var only when execution reaches it (no hoisting out of blocks).
        const parent = ancestors[ancestors.length - 2] as AnyNode | undefined;
        const grand = ancestors[ancestors.length - 3] as AnyNode | undefined;
        const atFunctionTop = parent?.type === 'Program' || (parent?.type === 'BlockStatement' && grand !== undefined && isFunction(grand));
        if (!atFunctionTop) {
          problems.push({
            at: n.start,
            text: `'var ${n.declarations.map((d: AnyNode) => d.id.name).join(', ')}' is declared inside a block (Espruino declares it only if the block runs; declare it at the top of the function)`,
          });
        }
      },
      LabeledStatement(n: AnyNode) {
        problems.push({ at: n.start, text: 'uses a label (Espruino cannot parse labels)' });
      },
      CallExpression(n: AnyNode) {
        if (n.callee.type !== 'Identifier' || n.callee.name !== 'require') return;
        const arg = n.arguments[0];
        if (n.arguments.length !== 1 || arg.type !== 'Literal' || typeof arg.value !== 'string') {
          problems.push({ at: n.start, text: 'require() must take one literal module name' });
        } else if (!BUILTIN_MODULES.includes(arg.value)) {
          problems.push({ at: n.start, text: `require("${arg.value}") is not a module built into Espruino` });
        }
      },
      Literal(n: AnyNode) {
        if (n.regex) {
          const why = regexProblem(n.regex.pattern);
          if (why) problems.push({ at: n.start, text: `regular expression /${n.regex.pattern}/ uses ${why}, which Espruino does not support` });
        }
        if (typeof n.value === 'string' && /[\u0080-\uffff]/.test(n.raw)) {
          problems.push({ at: n.start, text: 'string literal holds a non-ASCII character (8-bit on Espruino: write it as a \\u escape)' });
        }
      },
      NewExpression(n: AnyNode) {
        if (n.callee.type === 'Identifier' && n.callee.name === 'RegExp') {
          problems.push({ at: n.start, text: 'new RegExp() (check the pattern against Espruino by hand, or scan by hand)' });
        }
      },
    },
    { ...base },
  );
  hoistingProblems(program, problems);
  problems.sort((a, b) => a.at - b.at);
  return problems.map((p) => `line ${lineOf(code, p.at)}: ${p.text}`);
}
