/**
 * A new origin is a policy and an adapter, nothing else: a test harness drives the phone's pipeline in-process with
 * its own rules, and the stages follow the policy rather than any transport's name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOO_LARGE } from '../api/body.js';
import { operationAt } from '../api/index.js';
import { unitPhone } from '../phone/test-phone.js';
import type { OriginPolicy } from './origin.js';
import { restApiClosed } from './origin.js';
import { PhonePipeline } from './pipeline.js';
import { statusOf } from './request.js';
import type { Decision } from './request.js';

describe('an origin is a policy and an adapter', () => {
  const { phone, clock } = unitPhone('VVX 450', { bootConfig: { 'device.auth.localAdminPassword': 'harness' } });
  phone.start();
  clock.advance(1000);
  const pipeline = new PhonePipeline(phone);
  let open = true;
  const harness: OriginPolicy = {
    transport: 'http',
    route: operationAt,
    closed: () => (open ? undefined : { why: 'harness switched off' }),
    authenticates: false,
    checksMethods: true,
    oversize: 'status',
    answerStatus: (d) => (d.kind === 'ok' ? 1 : 2),
  };
  // The adapter: a request in, the decision's kind and Status out.
  const ask = async (
    method: string,
    path: string,
    options: { origin?: OriginPolicy; body?: unknown; accepted?: () => void } = {},
  ): Promise<{ d: Decision; status?: string }> => {
    const d = await pipeline.run({
      origin: options.origin ?? harness,
      method,
      path,
      target: path,
      headers: {},
      query: {},
      body: options.body,
      from: 'harness',
      ...(options.accepted ? { accepted: options.accepted } : {}),
    });
    const status = statusOf(d);
    return status === undefined ? { d } : { d, status };
  };

  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('answers by its own switch and without a login where the REST origins need both', async () => {
    assert.equal(phone.config.bool('apps.restapi.enabled'), false);
    const before = pipeline.journal.total;
    const info = await ask('GET', '/api/v1/mgmt/device/info');
    assert.equal(info.status, '2000');
    assert.equal(pipeline.journal.total, before, 'the journal records after the adapter has written its answer');
    await turn();
    assert.equal(pipeline.journal.last(1)[0]?.auth, 'none');
    assert.equal(pipeline.journal.last(1)[0]?.httpStatus, 1, "the journal shows the origin's own answer status");
    // The same request under the REST API's switch and a login is shut.
    const rest = await ask('GET', '/api/v1/mgmt/device/info', { origin: { ...harness, closed: restApiClosed, authenticates: true } });
    assert.equal(rest.d.kind, 'closed');
    open = false;
    try {
      const shut = await ask('GET', '/api/v1/mgmt/device/info');
      assert.deepEqual(shut.d, { kind: 'closed', why: 'harness switched off' });
      await turn();
      assert.equal(pipeline.journal.last(1)[0]?.httpStatus, 2);
    } finally {
      open = true;
    }
  });

  it('checks methods and answers an oversize body as its policy says', async () => {
    const wrong = await ask('POST', '/api/v1/mgmt/device/info');
    assert.equal(wrong.d.kind, 'wrong-method');
    assert.deepEqual(wrong.d.kind === 'wrong-method' && wrong.d.allow, ['GET']);
    assert.equal(wrong.status, '4400');
    const anyMethod = await ask('NOTE', '/api/v1/mgmt/device/info', { origin: { ...harness, checksMethods: false } });
    assert.equal(anyMethod.status, '2000');
    // device/info does not list 4009: 'status' still answers 4009, 'by-operation' refuses without a Status.
    assert.equal((await ask('GET', '/api/v1/mgmt/device/info', { body: TOO_LARGE })).status, '4009');
    const refused = await ask('GET', '/api/v1/mgmt/device/info', { origin: { ...harness, oversize: 'by-operation' }, body: TOO_LARGE });
    assert.equal(refused.d.kind, 'too-large');
  });

  it('an origin that acknowledges first is told before the command runs, and only when the command exists', async () => {
    const order: string[] = [];
    await turn();
    const before = pipeline.journal.total;
    const result = pipeline.run({
      origin: harness,
      method: 'GET',
      path: '/api/v1/mgmt/device/info',
      target: '/api/v1/mgmt/device/info',
      headers: {},
      query: {},
      body: undefined,
      from: 'harness',
      accepted: () => order.push('accepted'),
    });
    assert.ok(result instanceof Promise, 'the command runs later');
    assert.deepEqual(order, ['accepted']);
    assert.equal(pipeline.journal.total, before, 'nothing ran before the acknowledgement could go');
    assert.equal(statusOf(await result), '2000');
    await turn();
    assert.equal(pipeline.journal.total, before + 1);
    let told = false;
    const absent = pipeline.run({
      origin: harness,
      method: 'GET',
      path: '/api/v1/nothing',
      target: '/api/v1/nothing',
      headers: {},
      query: {},
      body: undefined,
      from: 'harness',
      accepted: () => {
        told = true;
      },
    });
    assert.deepEqual(absent, { kind: 'absent' });
    assert.equal(told, false);
  });
});
