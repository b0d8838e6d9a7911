// Espruino declares a `var` only when execution reaches it: a `var` inside a block that
// does not run is never declared, and an assignment to that name later in the function
// silently creates a global (measured on 2v29: `function f(a){ if(a){var i=5} i=7 }` leaves
// a global `i` after f(false)). Minifiers merge and move declarations freely, so this pass
// moves every `var` to the top of its function, as one declaration without initialisers,
// and turns the original declarations into plain assignments.
import type { Node } from 'acorn';

type AnyNode = Node & Record<string, any>;

/** A synthesised node (no source position). */
function node(fields: Record<string, unknown>): AnyNode {
  return fields as unknown as AnyNode;
}

function isFunction(n: AnyNode): boolean {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';
}

function identifier(name: string): AnyNode {
  return node({ type: 'Identifier', name });
}

/** `a = 1, b = 2` for the declarators that have an initialiser, or undefined. */
function assignments(decl: AnyNode): AnyNode | undefined {
  const parts = decl.declarations
    .filter((d: AnyNode) => d.init)
    .map((d: AnyNode) => ({ type: 'AssignmentExpression', operator: '=', left: identifier(d.id.name), right: d.init }));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : node({ type: 'SequenceExpression', expressions: parts });
}

/** Rewrites declarations inside one function body (not nested functions); returns the names. */
function collect(parent: AnyNode, names: Set<string>): void {
  for (const key of Object.keys(parent)) {
    const child = parent[key];
    const visit = (c: AnyNode | null, set: (replacement: AnyNode | null) => void) => {
      if (!c || typeof c.type !== 'string' || isFunction(c)) return;
      if (c.type === 'VariableDeclaration') {
        for (const d of c.declarations) names.add(d.id.name);
        if (parent.type === 'ForInStatement' && key === 'left') return set(identifier(c.declarations[0].id.name));
        const expr = assignments(c);
        if (parent.type === 'ForStatement' && key === 'init') return set(expr ?? null);
        set(expr ? node({ type: 'ExpressionStatement', expression: expr }) : node({ type: 'EmptyStatement' }));
        if (expr) collect(expr, names);
        return;
      }
      collect(c, names);
    };
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i++) visit(child[i], (r) => (child[i] = r));
    } else visit(child, (r) => (parent[key] = r));
  }
}

function hoistInFunctionBody(body: AnyNode[], params: Set<string>): void {
  const names = new Set<string>();
  const holder = node({ type: 'BlockStatement', body });
  collect(holder, names);
  const functionNames = new Set(body.filter((s) => s.type === 'FunctionDeclaration').map((s) => s.id.name as string));
  const declared = [...names].filter((n) => !params.has(n) && !functionNames.has(n));
  const cleaned = holder.body.filter((s: AnyNode) => s.type !== 'EmptyStatement');
  body.splice(0, body.length, ...cleaned);
  if (declared.length === 0) return;
  const at = body.findIndex((s) => !(s.type === 'ExpressionStatement' && s.directive));
  body.splice(
    at < 0 ? body.length : at,
    0,
    node({
      type: 'VariableDeclaration',
      kind: 'var',
      declarations: declared.map((n) => ({ type: 'VariableDeclarator', id: identifier(n), init: null })),
    }),
  );
}

/** Moves every `var` in `program` to the top of its function (or of the program). */
export function hoistVars(program: AnyNode): void {
  const walk = (n: AnyNode) => {
    if (!n || typeof n.type !== 'string') return;
    for (const key of Object.keys(n)) {
      const child = n[key];
      if (Array.isArray(child)) {
        for (const c of child) if (c) walk(c);
      } else if (child && typeof child.type === 'string') walk(child);
    }
    if (isFunction(n)) hoistInFunctionBody(n.body.body, new Set(n.params.map((p: AnyNode) => p.name)));
  };
  walk(program);
  hoistInFunctionBody(program.body, new Set());
}
