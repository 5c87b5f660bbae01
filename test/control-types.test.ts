/** The SDK's types of the event stream and of the control API's answers are generated from the server's schemas. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CLIENT_TYPES_FILE, controlClientTypes } from '../src/control/client-types.js';
import { ErrorAnswer } from '../src/control/answers.js';
import { CONTROL_ROUTES, controlPaths } from '../src/control/openapi.js';

describe("the control API's types in the SDK", () => {
  it(`packages/client/src/${CLIENT_TYPES_FILE} is what the server schemas give now (run \`npm run openapi\` when this fails)`, () => {
    assert.equal(readFileSync(new URL(`../packages/client/src/${CLIENT_TYPES_FILE}`, import.meta.url), 'utf8'), controlClientTypes());
  });

  it('names every event and answer type the SDK exports, and each named type is written once', () => {
    const text = controlClientTypes();
    for (const name of [
      'PolysimEvent',
      'EventCall',
      'EventLeds',
      'EventLine',
      'EventScreen',
      'PhoneLifeState',
      'ControlPhone',
      'ControlFarEnd',
      'ControlJournalEntry',
      'ControlConfigPage',
      'ControlLatency',
      'ControlFault',
      'ControlScripts',
      'ControlReady',
      'ControlError',
    ]) {
      assert.equal(text.split(`export type ${name} =`).length, 2, name);
    }
    // Named types are used by name where they appear inside others.
    assert.match(text, /calls: Array<EventCall>;/);
    assert.match(text, /export type PolysimEvent = SnapshotEvent \| StateEvent/);
  });

  it('every control route documents its success answer, and each route of a phone the one 404', () => {
    const paths = controlPaths();
    for (const spec of CONTROL_ROUTES) {
      const codes = Object.keys(spec.response).map(Number);
      assert.ok(
        codes.some((c) => c < 300),
        `${spec.method} ${spec.url} has a success answer`,
      );
      if (spec.url.includes(':index')) assert.deepEqual(spec.response[404], ErrorAnswer, `${spec.method} ${spec.url}`);
    }
    const latency = (paths['/phones/{index}/latency'] as Record<string, { requestBody: unknown; responses: Record<string, unknown> }>)[
      'put'
    ];
    assert.match(JSON.stringify(latency?.requestBody), /"maximum":600000/);
    assert.match(JSON.stringify(latency?.responses['200']), /latencyMs/);
  });
});
