import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { unitPhone } from '../phone/test-phone.js';
import { PhoneError } from '../phone/status.js';
import { UNREADABLE } from './body.js';
import { dispatch, extractInput } from './dispatch.js';
import { defineOperation } from './operation.js';

const echo = defineOperation({
  name: 'Test.Echo',
  methods: ['POST'],
  paths: ['/echo'],
  inputFrom: 'body',
  input: Type.Object({ Dest: Type.String() }),
  returnCodes: [2000, 4000],
  handler: ({ input }) => ({ data: input.Dest }),
});

describe('dispatch', () => {
  const { phone } = unitPhone();

  it('validates input against the schema: missing, wrong type and unreadable', async () => {
    assert.deepEqual(await dispatch(echo, phone, { Dest: 'x' }, '/echo', 'http'), { kind: 'ok', reply: { data: 'x' }, op: echo });
    assert.equal((await dispatch(echo, phone, undefined, '/echo', 'http')).kind, 'status');
    const wrong = await dispatch(echo, phone, { Dest: 5 }, '/echo', 'http');
    assert.equal(wrong.kind === 'status' && wrong.code, '4000');
    const bad = await dispatch(echo, phone, UNREADABLE, '/echo', 'http');
    assert.equal(bad.kind === 'status' && bad.code, '4400');
  });

  it('takes data from {"data": ...}, refusing bodies that are not objects', () => {
    assert.deepEqual(extractInput(echo, { data: { Dest: 'a' } }, {}), { Dest: 'a' });
    assert.equal(extractInput(echo, [1], {}), UNREADABLE);
    assert.equal(extractInput(echo, 'text', {}), UNREADABLE);
    assert.equal(extractInput(echo, undefined, {}), undefined);
  });

  it('maps PhoneError to its code and anything else to 5500; absent and transports are honoured', async () => {
    const failing = defineOperation({
      ...echo,
      input: undefined,
      inputFrom: 'none',
      handler: () => {
        throw new PhoneError('4007');
      },
    });
    assert.deepEqual(await dispatch(failing, phone, undefined, '/echo', 'http'), { kind: 'status', code: '4007', detail: undefined });
    const crashing = defineOperation({
      ...failing,
      handler: () => {
        throw new TypeError('boom');
      },
    });
    const c = await dispatch(crashing, phone, undefined, '/echo', 'http');
    assert.equal(c.kind === 'status' && c.code, '5500');
    const httpsOnly = defineOperation({ ...failing, transports: ['https'] });
    assert.deepEqual(await dispatch(httpsOnly, phone, undefined, '/echo', 'http'), { kind: 'absent' });
    const unsupported = defineOperation({ ...failing, available: () => '4004' });
    assert.deepEqual(await dispatch(unsupported, phone, undefined, '/echo', 'https'), { kind: 'status', code: '4004' });
  });
});
