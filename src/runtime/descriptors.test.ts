/** What a fleet's descriptors are counted as, and the connection budget what is left gives. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DescriptorError } from '../errors.js';
import { listenError } from '../transport/listen-error.js';
import { checkDescriptors, MIN_PHONE_CONNECTIONS, planDescriptors, PROCESS_RESERVE } from './descriptors.js';
import type { PhoneDescriptors } from './descriptors.js';

const phone = (p: Partial<PhoneDescriptors> = {}): PhoneDescriptors => ({
  shared: false,
  sip: true,
  sipTls: true,
  media: false,
  dataDir: false,
  streamRegistrar: false,
  ...p,
});
const times = (n: number, p: PhoneDescriptors): PhoneDescriptors[] => Array.from({ length: n }, () => p);

describe('the descriptors of a fleet', () => {
  it('counts five listening sockets a phone in port mode, one (UDP) and the shared ones in address mode', () => {
    assert.equal(planDescriptors(times(10_000, phone()), 0, 20).listeners, 50_000);
    assert.equal(planDescriptors(times(10_000, phone({ shared: true })), 4, 20).listeners, 10_004);
    assert.equal(planDescriptors(times(10, phone({ sip: false, sipTls: false })), 0, 0).listeners, 20);
    const all = planDescriptors(times(10, phone({ shared: true, media: true, dataDir: true, streamRegistrar: true })), 4, 0);
    assert.deepEqual([all.listeners, all.media, all.stores, all.outbound], [14, 20, 30, 10]);
  });

  it('gives the default budget when it fits, a smaller one when the limit leaves less, and refuses below the least', () => {
    const plan = planDescriptors(times(10_000, phone({ shared: true })), 4, 20);
    const fixed = 20 + 10_004 + PROCESS_RESERVE;
    assert.equal(checkDescriptors(plan, 20_000), undefined, 'room for 4096 connections');
    assert.equal(checkDescriptors(plan, fixed + 1000)?.total, 1000);
    assert.equal(checkDescriptors(plan, fixed + MIN_PHONE_CONNECTIONS)?.total, MIN_PHONE_CONNECTIONS);
    assert.throws(
      () => checkDescriptors(plan, fixed + MIN_PHONE_CONNECTIONS - 1),
      (err: unknown) =>
        err instanceof DescriptorError &&
        err.message ===
          `a fleet of 10000 phones needs ${fixed + MIN_PHONE_CONNECTIONS} open files and this process may open ${fixed + MIN_PHONE_CONNECTIONS - 1} (ulimit -n): 10004 listening sockets (1 a phone), ${PROCESS_RESERVE + MIN_PHONE_CONNECTIONS + 20} for connections and the process; raise the limit (${fixed + 4096} leaves room for the most connections to phones, 4096): ulimit -n ${fixed + 4096} in the shell that starts polysim, LimitNOFILE=${fixed + 4096} in a systemd unit, --ulimit nofile=${fixed + 4096} for a container`,
    );
  });

  it('names RTP and the data dir when they count', () => {
    const plan = planDescriptors(times(1000, phone({ media: true, dataDir: true })), 0, 0);
    assert.throws(
      () => checkDescriptors(plan, 1024),
      /5000 listening sockets \(5 a phone; --address-range shares the TCP ones: 1 a phone\), 2000 for RTP, 2 a phone in a call \(--media off: none\), 3000 for the phones' stores in the data dir/,
    );
  });
});

describe('a listener out of descriptors', () => {
  it('is a start error of its own (exit code 2) with how to raise the limit; the system-wide table too', () => {
    const emfile = listenError(Object.assign(new Error('listen EMFILE'), { code: 'EMFILE' }), '127.0.0.1:8080', '127.0.0.1');
    assert.ok(emfile instanceof DescriptorError);
    assert.equal(emfile.exitCode, 2);
    assert.match(
      emfile.message,
      /^cannot listen on 127\.0\.0\.1:8080: too many open files \(this process may open \d+\); raise the limit: ulimit -n N in the shell/,
    );
    const enfile = listenError(Object.assign(new Error('listen ENFILE'), { code: 'ENFILE' }), 'SIP 127.0.0.1:5060/udp', '127.0.0.1');
    assert.equal(enfile.code, 'descriptors');
    assert.match(enfile.message, /fs\.file-max/);
    assert.equal(
      listenError(Object.assign(new Error('x'), { code: 'EADDRINUSE' }), '127.0.0.1:1', '127.0.0.1').message,
      'port in use: 127.0.0.1:1',
    );
  });
});
