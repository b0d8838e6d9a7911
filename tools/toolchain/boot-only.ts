// Functions only one function calls, into that function. On Espruino every top-level
// function of the bundle costs RAM (its name, the function, its code reference: ~6 blocks on
// the ESP32) for as long as the program runs, even when only boot calls it (config check,
// topic helpers) or only a rare event does (discovery, `info`, a command). A function
// declared inside another exists only while that one runs (or while a closure it made
// lives), and nothing of it is left afterwards. This pass moves every top-level function that
// only the host function calls (directly, or through other functions moved) into the host's
// body: the boot function, and the on-demand hosts the build names. It moves a function only
// when that cannot change what the program does:
//   - every reference to it is a call, made from the host or from a function moved (a
//     function passed as a value could outlive the host; a top-level statement runs outside it);
//   - it creates no closure that could outlive the call (a nested function is either a
//     declaration only ever called, or a callback given straight to an array method such as
//     forEach or filter): a closure kept would keep the host's scope, and with it every
//     function moved, in RAM;
//   - none of its free names is a name the host declares (it would be shadowed).
// The boot function itself must create no closure that could outlive it either, or the move
// saves nothing: that is an error. An on-demand host may (discovery's producer lives while
// the discovery streams): what was moved into it lives exactly that long, then goes. A
// function moved is made again at every call of its host, so hosts are the rare paths, never
// the reading round. Works on the lowered ES5 bundle (one IIFE).
import type { Node } from 'acorn';

type AnyNode = Node & Record<string, any>;

const ARRAY_CALLBACKS = new Set(['forEach', 'map', 'filter', 'some', 'every', 'reduce', 'reduceRight', 'sort', 'find', 'findIndex']);

function isFunction(n: AnyNode): boolean {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';
}

function children(n: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const key of Object.keys(n)) {
    const c = n[key];
    if (Array.isArray(c)) {
      for (const x of c) if (x && typeof x.type === 'string') out.push(x);
    } else if (c && typeof c.type === 'string') out.push(c);
  }
  return out;
}

/** Names a function's own scope declares: params, vars, function declarations (not in nested functions), its own name if an expression. */
function declaredIn(fn: AnyNode): Set<string> {
  const names = new Set<string>(fn.params.map((p: AnyNode) => p.name));
  if (fn.type === 'FunctionExpression' && fn.id) names.add(fn.id.name);
  const visit = (n: AnyNode) => {
    if (n.type === 'VariableDeclarator') names.add(n.id.name);
    if (n.type === 'FunctionDeclaration') {
      names.add(n.id.name);
      return;
    }
    if (n.type === 'FunctionExpression') return;
    for (const c of children(n)) visit(c);
  };
  for (const s of fn.body.body) visit(s);
  return names;
}

interface Ref {
  /** The identifier. */
  id: AnyNode;
  /** Its parent node. */
  parent: AnyNode;
  /** The top-level function it is written in, or undefined (a top-level statement). */
  top: string | undefined;
}

/** Identifiers that are references (not property names, labels or declarations). */
function isReference(parent: AnyNode, key: string): boolean {
  if (parent.type === 'MemberExpression' && key === 'property' && !parent.computed) return false;
  if (parent.type === 'Property' && key === 'key' && !parent.computed) return false;
  if (parent.type === 'VariableDeclarator' && key === 'id') return false;
  if (isFunction(parent) && (key === 'id' || key === 'params')) return false;
  if (parent.type === 'CatchClause' && key === 'param') return false;
  if (parent.type === 'LabeledStatement' || parent.type === 'BreakStatement' || parent.type === 'ContinueStatement') return false;
  return true;
}

interface Scope {
  /** The function (or catch clause) that declares `names`. */
  node: AnyNode;
  names: Set<string>;
}

/**
 * Calls `onRef` for every reference under `root`, with the scopes around it (outermost
 * first, starting with `scopes`): each nested function and catch clause adds its own.
 */
function walkRefs(root: AnyNode, scopes: Scope[], onRef: (id: AnyNode, parent: AnyNode, key: string, scopes: Scope[]) => void): void {
  const walk = (n: AnyNode, around: Scope[]) => {
    for (const key of Object.keys(n)) {
      const c = n[key];
      for (const x of Array.isArray(c) ? c : [c]) {
        if (!x || typeof x.type !== 'string') continue;
        if (x.type === 'Identifier') {
          if (isReference(n, key)) onRef(x, n, key, around);
        } else if (isFunction(x)) walk(x, [...around, { node: x, names: declaredIn(x) }]);
        else if (x.type === 'CatchClause') walk(x, [...around, { node: x, names: new Set([x.param.name]) }]);
        else walk(x, around);
      }
    }
  };
  walk(root, scopes);
}

/** The scope of function `fn` itself. */
function ownScope(fn: AnyNode): Scope {
  return { node: fn, names: declaredIn(fn) };
}

/**
 * Every reference in `body` (the IIFE's statements) to a name the IIFE scope declares,
 * resolved through the nested function and catch scopes. A reference's `top` is the
 * outermost function around it that is a declaration or the boot function.
 */
function topLevelRefs(body: AnyNode[], topNames: Set<string>, boot: string): Ref[] {
  const refs: Ref[] = [];
  const onRef = (id: AnyNode, parent: AnyNode, _key: string, scopes: Scope[]) => {
    if (!topNames.has(id.name) || scopes.some((sc) => sc.names.has(id.name))) return;
    const top = scopes.find((sc) => sc.node.type === 'FunctionDeclaration' || (isFunction(sc.node) && sc.node.id?.name === boot));
    refs.push({ id, parent, top: top?.node.id.name });
  };
  for (const st of body) {
    if (st.type === 'FunctionDeclaration') walkRefs(st, [ownScope(st)], onRef);
    else walkRefs({ type: 'Holder', st } as unknown as AnyNode, [], onRef);
  }
  return refs;
}

interface Resolved {
  id: AnyNode;
  parent: AnyNode;
  key: string;
  /** The function (or catch clause) whose scope declares the name, undefined when declared outside `root`. */
  scope: AnyNode | undefined;
}

/** Every reference inside `root` (a function), with the scope inside `root` it resolves to. */
function resolveIn(root: AnyNode): Resolved[] {
  const out: Resolved[] = [];
  walkRefs(root, [ownScope(root)], (id, parent, key, scopes) => {
    const scope = [...scopes].reverse().find((sc) => sc.names.has(id.name));
    out.push({ id, parent, key, scope: scope?.node });
  });
  return out;
}

/** Nested functions of `fn` that could outlive a call of it (see the header), as short descriptions. */
function escapingClosures(fn: AnyNode): string[] {
  const refs = resolveIn(fn);
  /** Whether every reference to `name` declared by `scope` is a call. */
  const calledOnly = (name: string, scope: AnyNode) =>
    refs.every((r) => r.id.name !== name || r.scope !== scope || (r.parent.type === 'CallExpression' && r.key === 'callee'));
  const found: string[] = [];
  const visit = (n: AnyNode, parent: AnyNode | undefined, key: string, owner: AnyNode) => {
    if (n !== fn && isFunction(n)) {
      let ok: boolean;
      if (n.type === 'FunctionDeclaration') ok = calledOnly(n.id.name, owner);
      else {
        const iife = parent?.type === 'CallExpression' && key === 'callee';
        const callback =
          parent?.type === 'CallExpression' &&
          key === 'arguments' &&
          parent.callee.type === 'MemberExpression' &&
          !parent.callee.computed &&
          ARRAY_CALLBACKS.has(parent.callee.property.name);
        ok = (iife || callback) && (!n.id || calledOnly(n.id.name, n));
      }
      if (!ok) found.push(n.id ? `function ${n.id.name}` : 'a function expression');
      for (const c of n.body.body) visit(c, n.body, 'body', n);
      return;
    }
    for (const k of Object.keys(n)) {
      const c = n[k];
      for (const x of Array.isArray(c) ? c : [c]) if (x && typeof x.type === 'string') visit(x, n, k, owner);
    }
  };
  visit(fn, undefined, '', fn);
  return found;
}

/** Free names of `fn` (references it does not declare itself), nested functions included. */
function freeNames(fn: AnyNode): Set<string> {
  const free = new Set<string>();
  walkRefs(fn, [ownScope(fn)], (id, _parent, _key, scopes) => {
    if (!scopes.some((sc) => sc.names.has(id.name))) free.add(id.name);
  });
  return free;
}

/** The top-level function declarations of the IIFE by name, and every name it declares. */
function topLevel(body: AnyNode[]): { functions: Map<string, AnyNode>; names: Set<string> } {
  const functions = new Map<string, AnyNode>();
  const names = new Set<string>();
  for (const st of body) {
    if (st.type === 'FunctionDeclaration') {
      functions.set(st.id.name, st);
      names.add(st.id.name);
    } else if (st.type === 'VariableDeclaration') for (const d of st.declarations) names.add(d.id.name);
  }
  return { functions, names };
}

/** The statements of the bundle's IIFE: `(function () { ... })();` */
function iifeBody(program: AnyNode): AnyNode[] | undefined {
  for (const stmt of program.body) {
    // (function () {...})(), or terser's !function () {...}()
    const call = stmt.type === 'ExpressionStatement' ? (stmt.expression.type === 'UnaryExpression' ? stmt.expression.argument : stmt.expression) : undefined;
    const callee = call?.type === 'CallExpression' ? call.callee : undefined;
    const fn = callee?.type === 'FunctionExpression' ? callee : callee?.expression;
    if (fn?.type === 'FunctionExpression' && fn.body?.body) return fn.body.body;
  }
  return undefined;
}

/**
 * The boot function: a top-level declaration, or (once terser has inlined its one call) a
 * named function expression called from a top-level statement, `(function start() {...})()`.
 */
function findBoot(body: AnyNode[], boot: string): AnyNode | undefined {
  let found: AnyNode | undefined;
  const visit = (n: AnyNode) => {
    if (found) return;
    if (isFunction(n)) {
      if (n.id?.name === boot) found = n;
      return;
    }
    for (const c of children(n)) visit(c);
  };
  for (const s of body) visit(s);
  return found;
}

export class BootOnlyError extends Error {}

/**
 * Moves the functions only `boot` needs into `boot` (see the header); returns their names.
 * Throws BootOnlyError when `boot` is missing or creates a closure that could outlive it.
 */
export function moveBootOnly(program: AnyNode, boot: string): string[] {
  return moveOnlyCalledBy(program, boot, false);
}

/**
 * Moves the functions only `host` needs into `host`, an on-demand host that may make
 * closures outliving its call (see the header); returns their names.
 */
export function moveOnDemand(program: AnyNode, host: string): string[] {
  return moveOnlyCalledBy(program, host, true);
}

function moveOnlyCalledBy(program: AnyNode, boot: string, hostMayKeepClosures: boolean): string[] {
  const body = iifeBody(program);
  const bootFn = body && findBoot(body, boot);
  if (!body || !bootFn) throw new BootOnlyError(`no top-level function ${boot}() in the bundle`);
  const escaping = hostMayKeepClosures ? [] : escapingClosures(bootFn);
  if (escaping.length) {
    throw new BootOnlyError(
      `${boot}() creates ${escaping.join(', ')}, which could outlive it and keep every boot-only function in RAM: make it a top-level function`,
    );
  }
  const { functions, names: topNames } = topLevel(body);
  const refs = topLevelRefs(body, topNames, boot);
  const bootNames = declaredIn(bootFn);
  const moving = new Set<string>();
  for (const [name, fn] of functions) {
    if (name === boot || bootNames.has(name)) continue;
    if (escapingClosures(fn).length) continue;
    const free = freeNames(fn);
    if ([...free].some((n) => bootNames.has(n))) continue;
    moving.add(name);
  }
  // Drop those referenced otherwise than by a call from boot or from another function moved, until none changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of refs) {
      if (!moving.has(r.id.name)) continue;
      const called = r.parent.type === 'CallExpression' && r.parent.callee === r.id;
      const fromBoot = r.top !== undefined && (r.top === boot || (moving.has(r.top) && r.top !== r.id.name) || r.top === r.id.name);
      if (!called || !fromBoot) {
        moving.delete(r.id.name);
        changed = true;
      }
    }
  }
  // A function referenced by none at all stays where it is (nothing to gain, and nothing calls it).
  const referenced = new Set(refs.map((r) => r.id.name));
  const moved = [...moving].filter((n) => referenced.has(n));
  const movedSet = new Set(moved);
  const kept = body.filter((s) => !(s.type === 'FunctionDeclaration' && movedSet.has(s.id.name)));
  body.splice(0, body.length, ...kept);
  bootFn.body.body.unshift(...moved.map((n) => functions.get(n)!));
  return moved;
}

/**
 * Marks every call the boot function makes (itself or through a function moved into it) to a
 * top-level function that makes lasting closures with terser's NOINLINE annotation, by the
 * positions in `code`: terser would otherwise put such a function, when called once (WiFi
 * start, adding a sensor), inside the boot function, and its closures would keep the boot
 * function's scope. The build checks the boot function once minified (minifyForEspruino).
 */
export function markNoInline(code: string, program: AnyNode, boot: string): string {
  const body = iifeBody(program);
  if (!body) return code;
  const { functions, names: topNames } = topLevel(body);
  const closures = new Set([...functions].filter(([, fn]) => escapingClosures(fn).length > 0).map(([name]) => name));
  const at = topLevelRefs(body, topNames, boot)
    .filter((r) => r.top === boot && closures.has(r.id.name) && r.parent.type === 'CallExpression' && r.parent.callee === r.id)
    .map((r) => r.parent.start as number)
    .sort((a, b) => b - a);
  let out = code;
  for (const i of at) out = `${out.slice(0, i)}/*@__NOINLINE__*/ ${out.slice(i)}`;
  return out;
}
