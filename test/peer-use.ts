/**
 * Which real peers a test runs against, read from its source with TypeScript's own parser (not patterns over the
 * text): the peers named by needs(...) in the options of its it() and of every describe() around it (directly, or
 * through a const of the file such as `const proxyPeers = { skip: needs('kamailio') }`), and by lacks(t, ...) in its
 * body. That is how every test here says what it drives (test/peers.ts: a test that starts a peer without saying so
 * would not be skipped where the peer is missing), so it is what docs/sip.md's interoperability table is checked
 * against (test/docs.test.ts).
 */
import ts from 'typescript';

/** A test found by the start of its title, and the peers it declares. */
export interface TestPeers {
  readonly title: string;
  readonly peers: ReadonlySet<string>;
}

const nameOf = (e: ts.Expression): string | undefined =>
  ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? nameOf(e.expression) : undefined;

const titleOf = (call: ts.CallExpression): string | undefined => {
  const first = call.arguments[0];
  return first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) ? first.text : undefined;
};

const isFunction = (e: ts.Node): boolean => ts.isArrowFunction(e) || ts.isFunctionExpression(e);

/** The tests of a file (it() calls, with .only/.skip/.todo) whose title starts with `title`, with their peers. */
export function testsTitled(source: string, fileName: string, title: string): TestPeers[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const consts = new Map<string, ts.Expression>();
  const tests: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) consts.set(node.name.text, node.initializer);
    if (ts.isCallExpression(node) && nameOf(node.expression) === 'it' && titleOf(node)?.startsWith(title)) tests.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);

  /** The peers needs() and lacks() name within `node`, following the file's consts it mentions (each once). */
  const declared = (node: ts.Node, into: Set<string>, seen = new Set<string>()): void => {
    const walk = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const callee = nameOf(n.expression);
        const args = callee === 'needs' ? n.arguments : callee === 'lacks' ? n.arguments.slice(1) : [];
        for (const a of args) if (ts.isStringLiteral(a)) into.add(a.text);
      }
      if (ts.isIdentifier(n) && !seen.has(n.text)) {
        const init = consts.get(n.text);
        if (init) {
          seen.add(n.text);
          walk(init);
        }
      }
      ts.forEachChild(n, walk);
    };
    walk(node);
  };

  return tests.map((test) => {
    const peers = new Set<string>();
    // the test itself: its options and its body
    for (const a of test.arguments.slice(1)) declared(a, peers);
    // every describe around it: its options only (its body holds the other tests)
    for (let n: ts.Node | undefined = test.parent; n; n = n.parent) {
      if (ts.isCallExpression(n) && nameOf(n.expression) === 'describe')
        for (const a of n.arguments.slice(1)) if (!isFunction(a)) declared(a, peers);
    }
    return { title: titleOf(test) ?? '', peers };
  });
}
