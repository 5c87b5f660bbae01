import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Journal, URL_MAX, own, ownShared } from './journal.js';
import type { JournalRecord } from './journal.js';

const run = promisify(execFile);

const record = (url: string, httpStatus = 200): JournalRecord => ({
  at: 0,
  transport: 'http',
  method: 'GET',
  url,
  from: '127.0.0.1',
  httpStatus,
  ms: 1,
});

describe('the request journal', () => {
  it('keeps URLs clipped, and drops the oldest entries past its byte cap', () => {
    const j = new Journal(200, 8 * 1024);
    for (let i = 0; i < 100; i++) j.add(record(`/api/${i}/${'x'.repeat(4000)}`));
    assert.ok(j.size <= 8 * 1024);
    const last = j.last(1)[0];
    assert.equal(last?.url.startsWith('/api/99/'), true);
    assert.ok((last?.url.length ?? 0) < URL_MAX + 32);
    assert.equal(j.total, 100);
  });

  it('own() copies every code unit, lone surrogates too', () => {
    for (const s of ['', 'a', 'é€😀', '\ud800x', 'x'.repeat(1000)]) assert.equal(own(s), s);
  });

  it("ownShared() gives back every string whole, short, shared, long and past the table's bound", () => {
    const cut = (s: string): string => `#${s}`.slice(1);
    for (const s of ['', 'GET', '127.0.0.1', '/api/v2/mgmt/device/info', 'é€😀/\ud800x/path/x', 'x'.repeat(129), 'y'.repeat(1000)]) {
      assert.equal(ownShared(s), s);
      assert.equal(ownShared(cut(s)), s, 'looked up by value');
    }
    for (let i = 0; i < 1000; i++) assert.equal(ownShared(`/api/v1/path/${i}`), `/api/v1/path/${i}`);
  });

  // Counted bytes are not memory: a clipped URL that is a slice of the 16 KB request string keeps all of it alive.
  // A child process (with --expose-gc) fills 100 journals with 16 KB URLs and reports the heap after collection.
  it('its byte cap bounds real memory: what it keeps holds no request string alive', async () => {
    // Run compiled (.test-build/, as `npm test` does), the child imports the compiled module; run as TypeScript, the
    // source through tsx.
    const compiled = import.meta.url.endsWith('.js');
    const journalModule = new URL(compiled ? './journal.js' : './journal.ts', import.meta.url).href;
    const script = `
      const { Journal } = await import(${JSON.stringify(journalModule)});
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      const journals = [];
      for (let p = 0; p < 100; p++) {
        const j = new Journal();
        for (let i = 0; i < 400; i++) {
          // A fresh flat 16 KB string per request, as a parser makes one.
          const url = Buffer.alloc(16 * 1024, String.fromCharCode(97 + ((p + i) % 26))).toString('latin1');
          j.add({ at: 0, transport: 'http', method: 'GET', url: '/api/' + url, from: '127.0.0.1', httpStatus: 200, ms: 1,
            detail: url });
        }
        journals.push(j);
      }
      globalThis.gc();
      const counted = journals.reduce((n, j) => n + j.size, 0);
      process.stdout.write(JSON.stringify({ grown: process.memoryUsage().heapUsed - before, counted }));
    `;
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', ...(compiled ? [] : ['--import', 'tsx']), '--input-type=module', '-e', script],
      {
        timeout: 60_000,
        maxBuffer: 1 << 20,
      },
    );
    const { grown, counted } = JSON.parse(stdout) as { grown: number; counted: number };
    // 100 journals of at most 64 KB counted: about 6.5 MB. The entries kept (about 90 per journal) would hold
    // 100 × 90 × 16 KB ≈ 150 MB of request strings alive if they were slices; copies leave the heap near the count.
    assert.ok(counted <= 100 * 64 * 1024, `counted ${counted}`);
    assert.ok(
      grown < 40 * 1024 * 1024,
      `the heap grew by ${Math.round(grown / 1048576)} MB for ${Math.round(counted / 1048576)} MB counted`,
    );
  });
});
