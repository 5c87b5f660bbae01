/**
 * The shape of the code (docs/architecture.md): no import cycles among the modules of src/, type imports included,
 * and none among its folders: no two folders import each other, directly or around a loop. (Each folder's zone,
 * e.g. that src/phone imports no transport, is enforced by lint: eslint.config.js.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Relative imports and re-exports of a module, as source files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    out.push(resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')));
  }
  return out;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

/** A module's folder: the first level of src/, transport/http and transport/sip on their own; src/*.ts is "src". */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  if (parts.length === 1) return 'src';
  return parts[0] === 'transport' && parts.length > 2 ? `transport/${parts[1]}` : (parts[0] as string);
}

/** Test helpers that live beside the code (a phone on a memory store, as its host builds one; a registration plan). */
const TEST_HELPERS = new Set(['phone/test-phone.ts', 'sip/test-registration.ts']);

/**
 * Folder edges that close a loop today, each with why it stands; an entry that no longer closes one fails, so that
 * the list only shrinks.
 */
// Folder edges allowed to close a loop, each with its reason (none today; an entry that no longer closes a loop fails).
const ALLOWED_FOLDER_EDGES: ReadonlyMap<string, string> = new Map([]);

function reaches(graph: ReadonlyMap<string, ReadonlySet<string>>, from: string, to: string): boolean {
  const seen = new Set([from]);
  const queue = [from];
  for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
    if (n === to) return true;
    for (const m of graph.get(n) ?? [])
      if (!seen.has(m)) {
        seen.add(m);
        queue.push(m);
      }
  }
  return false;
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files(SRC)) {
    if (TEST_HELPERS.has(relative(SRC, file))) continue;
    const from = folderOf(file);
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)?.add(to);
    }
  }
  return graph;
}

describe('the shape of the code', () => {
  it('has no import cycles among the folders of src/ (no two folders import each other)', () => {
    const graph = folderGraph();
    const without = new Map(
      [...graph].map(([from, tos]) => [from, [...tos].filter((to) => !ALLOWED_FOLDER_EDGES.has(`${from} -> ${to}`))]),
    );
    assert.deepEqual(
      cycles(without).map((c) => c.join(' -> ')),
      [],
    );
    for (const edge of ALLOWED_FOLDER_EDGES.keys()) {
      const [from, to] = edge.split(' -> ') as [string, string];
      assert.ok(
        graph.get(from)?.has(to) === true && reaches(graph, to, from),
        `${edge} no longer closes a loop: remove it from ALLOWED_FOLDER_EDGES`,
      );
    }
  });

  it('finds a folder loop when there is one', () => {
    const loop = new Map([
      ['api', ['phone']],
      ['phone', ['store']],
      ['store', ['api']],
      ['gate', ['api']],
    ]);
    assert.deepEqual(
      cycles(loop).map((c) => c.join(' -> ')),
      ['api -> phone -> store -> api'],
    );
  });

  it('has no import cycles in src/', () => {
    const graph = new Map(files(SRC).map((f) => [f, importsOf(f)]));
    const named = cycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(' -> '));
    assert.deepEqual(named, []);
  });
});
