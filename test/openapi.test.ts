import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Ajv } from 'ajv';
import { operations } from '../src/api/index.js';
import { PATH_SUFFIXES, PATHS } from '@polysim/client';
import { createControlApp } from '../src/control/app.js';
import { clientFacts } from '../src/openapi/client-facts.js';
import { example } from '../src/openapi/document.js';
import { ALL_KEY_NAMES } from '../src/phone/models.js';
import { servedDocument } from '../src/control/openapi.js';
import { clientTypes } from '../src/openapi/typescript.js';
import { startFleet } from '../src/runtime/fleet.js';
import { createHttpApp } from '../src/transport/http/app.js';
import { VERSION } from '../src/version.js';
import { testPhone } from './helpers.js';

const committed = JSON.parse(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('the OpenAPI document', () => {
  it('docs/openapi.json is what the operation table generates now (run `npm run openapi` when this fails)', () => {
    assert.deepEqual(committed, JSON.parse(JSON.stringify(servedDocument(VERSION))));
  });

  it('packages/client/src/types*.ts are what the server schemas give now (run `npm run openapi` when this fails)', () => {
    for (const [name, text] of Object.entries(clientTypes(VERSION))) {
      assert.equal(readFileSync(new URL(`../packages/client/src/${name}`, import.meta.url), 'utf8'), text, name);
    }
  });

  it('packages/client/src/{status,paths,body-limit}.ts are what the server tables give now (run `npm run openapi` when this fails)', () => {
    for (const [name, text] of Object.entries(clientFacts())) {
      assert.equal(readFileSync(new URL(`../packages/client/src/${name}`, import.meta.url), 'utf8'), text, name);
    }
  });

  it("the client has a method for every operation of the manual served over HTTP, at the manual's paths", () => {
    const source = readFileSync(new URL('../packages/client/src/operations.ts', import.meta.url), 'utf8');
    const spec = JSON.parse(readFileSync(new URL('../spec/endpoints.json', import.meta.url), 'utf8')) as {
      operations: { operation: string; paths: string[] }[];
    };
    const paths: Readonly<Record<string, string>> = PATHS;
    const suffixes: Readonly<Record<string, readonly string[]>> = PATH_SUFFIXES;
    const served = (name: string): string[] => [paths[name] ?? '', ...(suffixes[name] ?? []).map((s) => `${paths[name]}/${s}`)];
    const http = spec.operations.filter((o) => o.operation !== 'WebCallControl.WarmTransfer');
    assert.deepEqual(
      http.filter((o) => !source.includes(`PATHS['${o.operation}']`)).map((o) => o.operation),
      [],
      'operations without a method',
    );
    assert.deepEqual(
      http.filter((o) => JSON.stringify(served(o.operation)) !== JSON.stringify(o.paths)).map((o) => o.operation),
      [],
      "operations at other paths than the manual's",
    );
    assert.doesNotMatch(source, /['"`]\/api\//, 'operations.ts names paths through PATHS only');
  });

  it('describes every operation and path, and every schema in it compiles', () => {
    const paths = committed['paths'] as Record<string, Record<string, Record<string, unknown>>>;
    for (const op of operations) {
      for (const path of op.paths) {
        for (const method of op.methods) {
          const o = paths[path]?.[method.toLowerCase()];
          assert.ok(o, `${method} ${path} missing`);
          assert.deepEqual(o['x-status-codes'], op.returnCodes.map(String));
        }
      }
    }
    assert.equal(Object.keys(paths).filter((p) => p.startsWith('/api/')).length, 65, 'the manual has 65 paths');
    const control = Object.keys(paths).filter((p) => !p.startsWith('/api/'));
    for (const p of ['/events', '/phones/{index}/events', '/phones/{index}/api/{path}', '/phones/{index}/incoming'])
      assert.ok(control.includes(p), p);
    for (const p of control)
      assert.deepEqual(
        (paths[p] as unknown as { servers: { url: string }[] }).servers.map((s) => s.url),
        ['/'],
        `${p} is served by the control port`,
      );
    const ajv = new Ajv({ strict: false });
    for (const item of Object.values(paths)) {
      for (const [method, o] of Object.entries(item)) {
        if (method === 'servers') continue;
        for (const r of Object.values(o['responses'] as Record<string, { content?: Record<string, { schema: object }> }>)) {
          for (const c of Object.values(r.content ?? {})) ajv.compile(c.schema);
        }
      }
    }
    const schemes = (committed['components'] as { securitySchemes: Record<string, unknown> }).securitySchemes;
    assert.deepEqual(Object.keys(schemes).sort(), ['basic', 'controlToken', 'digest', 'session']);
  });

  it('is served with Swagger UI on the control port, not among the Poly API paths', async () => {
    const fleet = await startFleet(
      {
        count: 1,
        model: 'VVX 450',
        address: '127.0.0.1',
        httpPort: 0,
        httpsPort: 0,
        firstNumber: 1001,
        adminPassword: 'Pw-1',
        timing: { initMs: 0 },
      },
      await createHttpApp(false),
    );
    const control = await createControlApp(fleet, false);
    await control.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${(control.server.address() as AddressInfo).port}`;
      const json = await fetch(`${base}/docs/openapi.json`);
      assert.equal(json.status, 200);
      assert.equal(((await json.json()) as { openapi: string }).openapi, '3.1.0');
      assert.equal((await fetch(`${base}/docs/json`)).status, 200);
      const ui = await fetch(`${base}/docs/static/index.html`);
      assert.equal(ui.status, 200);
      assert.match(await ui.text(), /swagger/i);
      const onPhone = await fetch(`${fleet.phones[0]?.httpUrl}/docs`);
      assert.equal(onPhone.status, 404);
    } finally {
      await control.close();
      await fleet.stop();
    }
  });

  it('gives every input an example that fits its schema, and the explorer shows it', () => {
    const paths = committed['paths'] as Record<string, Record<string, Record<string, unknown>>>;
    for (const op of operations) {
      if (!op.input) continue;
      const given = example(op.input);
      assert.notEqual(given, undefined, `${op.name} has no example`);
      assert.ok(TypeCompiler.Compile(op.input).Check(given), `${op.name}: its example does not fit its schema`);
      const o = paths[op.paths[0] as string]?.[(op.methods[0] as string).toLowerCase()] as Record<string, unknown>;
      if (op.inputFrom === 'body') {
        const media = (o['requestBody'] as { content: Record<string, { example?: unknown }> }).content['application/json'];
        assert.deepEqual(media?.example, { data: given }, op.name);
      } else {
        const params = o['parameters'] as { name: string; example?: unknown }[];
        for (const [name, value] of Object.entries(given as Record<string, unknown>))
          assert.equal(params.find((p) => p.name === name)?.example, value, `${op.name} ${name}`);
      }
    }
  });

  it("names every model's key names as the KeyName enum", () => {
    const paths = committed['paths'] as Record<string, Record<string, Record<string, unknown>>>;
    const body = paths['/api/v1/mgmt/simulateKeyEvent']?.['post']?.['requestBody'] as {
      content: {
        'application/json': { schema: { properties: { data: { properties: { KeyName: { enum: string[]; description: string } } } } } };
      };
    };
    const keyName = body.content['application/json'].schema.properties.data.properties.KeyName;
    assert.deepEqual(keyName.enum, [...ALL_KEY_NAMES]);
    assert.match(keyName.description, /CCX, Trio C60, Trio 8500 and Trio 8800: MicMute, VolDown, VolUp/);
  });

  it('the examples are bodies a phone takes: no example is refused as bad input', async () => {
    const phone = await testPhone({ model: 'VVX 450' });
    try {
      const refused: string[] = [];
      for (const op of operations) {
        if (!op.input || op.inputFrom === 'text' || op.name === 'Management.SessionDelete') continue;
        const given = example(op.input);
        const path = op.paths[0] as string;
        const answer =
          op.inputFrom === 'body'
            ? await phone.post(path, { data: given })
            : await phone.get(`${path}?${new URLSearchParams(given as Record<string, string>).toString()}`);
        // 4007 (no such call), 4002/4003 (nothing to act on now) and 4xxx for a missing feature are state, not input.
        if (answer.body['Status'] === '4000') refused.push(`${op.name}: ${answer.text}`);
      }
      assert.deepEqual(refused, []);
    } finally {
      await phone.stop();
    }
  });
});
