/**
 * A line's registration on the wire, against a registrar played by the test: what a phone sends at boot, on
 * restart and reboot (Expires: 0 before it goes, a new registration when back), on shutdown, and when its first
 * server stays silent (failover to the second).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import { parseSip } from '../src/sip/codec/message.js';
import type { SipRequest } from '../src/sip/codec/message.js';
import { hostAddress } from '../src/runtime/host-address.js';
import { assertOk, testPhone, waitFor } from './helpers.js';

interface Registrar {
  port: number;
  seen: SipRequest[];
  socket: Socket;
  silent: boolean;
}

/**
 * A UDP registrar that grants every REGISTER (or stays silent, or loses those `lose` picks, as a registrar's full
 * socket would); other requests it only records.
 */
async function registrar(silent = false, lose: (req: SipRequest) => boolean = () => false): Promise<Registrar> {
  const socket = createSocket('udp4');
  const r: Registrar = { port: 0, seen: [], socket, silent };
  socket.on('message', (m, from) => {
    const req = parseSip(m, true);
    if (req.kind !== 'request') return;
    r.seen.push(req);
    if (r.silent || req.method !== 'REGISTER' || lose(req)) return;
    const h = (n: string): string => req.headers.get(n) ?? '';
    socket.send(
      [
        `SIP/2.0 200 OK`,
        `Via: ${h('via')}`,
        `From: ${h('from')}`,
        `To: ${h('to')};tag=reg`,
        `Call-ID: ${h('call-id')}`,
        `CSeq: ${h('cseq')}`,
        `Contact: ${h('contact')};expires=${h('expires')}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      from.port,
      from.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  r.port = socket.address().port;
  return r;
}

const expiresOf = (r: Registrar): string[] => r.seen.map((q) => q.headers.get('expires') ?? '');
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

describe('registration on the wire', () => {
  it('registers at boot, unregisters before a restart and registers again after; unregisters on shutdown', async () => {
    const reg = await registrar();
    sockets.push(reg.socket);
    const p = await testPhone({
      sipPort: 0,
      timing: { restartMs: 300 },
      set: {
        'reg.1.server.1.address': '127.0.0.1',
        'reg.1.server.1.port': String(reg.port),
        'reg.1.auth.password': 'pw',
      },
    });
    try {
      await waitFor(() => p.phone.lines.get(1).registered);
      assert.deepEqual(expiresOf(reg), ['3600']);
      const first = reg.seen[0] as SipRequest;
      // shaped as a VVX writes its REGISTER (a capture of a VVX 350 on UCS 5.9.5), listing the methods polysim serves
      // (src/sip/codec/capabilities.ts), SUBSCRIBE included since the dialog package is served: the capture's list
      assert.equal(
        first.headers.get('contact'),
        `<sip:1001@127.0.0.1:${p.sip?.port};transport=udp>;methods="INVITE,ACK,BYE,CANCEL,OPTIONS,INFO,MESSAGE,SUBSCRIBE,NOTIFY,PRACK,UPDATE,REFER"`,
      );
      assert.match(first.headers.get('user-agent') ?? '', /^PolycomVVX-VVX_450-UA\/6\.4\.3\.\d{4}$/);
      assert.equal(first.uri, `sip:127.0.0.1:${reg.port};transport=udp`);
      // sipStatus shows the registration as sent: its Call-ID and the time the registrar granted
      const user = ((await p.get('/api/v1/webCallControl/sipStatus')).body['data'] as { User: { Events: Record<string, string>[] }[] })
        .User[0];
      assert.equal(user?.Events[0]?.['CallID'], first.headers.get('call-id'));
      assert.ok(Number(user?.Events[0]?.['Expires']) > 3590);
      await p.post('/api/v1/mgmt/safeRestart');
      await waitFor(() => expiresOf(reg).includes('0'));
      assert.equal(p.phone.lines.get(1).registered, false, 'away: not registered');
      await waitFor(() => p.phone.lines.get(1).registered, 5000);
      assert.deepEqual(expiresOf(reg), ['3600', '0', '3600']);
      // the unregistration continues the registration's Call-ID and CSeq; the application that comes back starts anew
      assert.equal(reg.seen[1]?.headers.get('call-id'), first.headers.get('call-id'));
      assert.deepEqual(
        reg.seen.slice(0, 2).map((q) => q.headers.get('cseq')),
        ['1 REGISTER', '2 REGISTER'],
      );
    } finally {
      await p.stop();
    }
    await waitFor(() => expiresOf(reg).length >= 4).catch(() => assert.fail(expiresOf(reg).join(',')));
    assert.equal(expiresOf(reg)[3], '0', 'shutdown unregisters');
  });

  it('a shutdown whose Expires: 0 is lost sends it again, and stops once it is answered', async () => {
    let lost = 0;
    const reg = await registrar(false, (q) => q.headers.get('expires') === '0' && lost++ === 0);
    sockets.push(reg.socket);
    const p = await testPhone({
      sipPort: 0,
      set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(reg.port), 'reg.1.auth.password': 'pw' },
    });
    await waitFor(() => p.phone.lines.get(1).registered);
    await p.stop();
    // the first went unanswered; the retransmission (timer E, 500 ms on) was answered before the listener closed
    assert.deepEqual(expiresOf(reg), ['3600', '0', '0']);
    assert.equal(reg.seen[1]?.headers.get('cseq'), reg.seen[2]?.headers.get('cseq'), 'the same transaction');
  });

  it('on a wildcard address: the interface address in device/info and Contact; line 1 stays on the built-in switchboard', async () => {
    const reg = await registrar();
    sockets.push(reg.socket);
    const own = await testPhone({ address: '0.0.0.0', sipPort: 0 });
    const sip = await testPhone({
      address: '0.0.0.0',
      sipPort: 0,
      set: {
        'reg.1.server.1.address': '127.0.0.1',
        'reg.1.server.1.port': String(reg.port),
        'reg.1.auth.password': 'pw',
      },
    });
    try {
      const address = hostAddress('0.0.0.0').ipv4;
      assert.notEqual(address, '0.0.0.0');
      assert.equal(
        (assertOk(await own.get('/api/v2/mgmt/device/info'), '/api/v2/mgmt/device/info')['data'] as { IPAddress: string }).IPAddress,
        address,
      );
      // The built-in switchboard is the phone's own listener (127.0.0.1 at its SIP port): not a SIP server to register to.
      assert.equal(own.ua?.owns(1), false);
      assert.equal(own.phone.lines.get(1).registered, true);
      // A registrar on loopback at another port is one, and the REGISTER's Contact carries the interface address.
      assert.equal(sip.ua?.owns(1), true);
      await waitFor(() => sip.phone.lines.get(1).registered);
      assert.equal(reg.seen[0]?.headers.get('contact')?.split(';')[0], `<sip:1001@${address}:${sip.sip?.port}`);
    } finally {
      await own.stop();
      await sip.stop();
    }
  });

  it('with --media off a call signals as usual and carries no RTP: its SDP offers the discard port', async () => {
    const reg = await registrar();
    sockets.push(reg.socket);
    const p = await testPhone({
      sipPort: 0,
      media: 'off',
      set: { 'reg.1.server.1.address': '127.0.0.1', 'reg.1.server.1.port': String(reg.port) },
    });
    try {
      await waitFor(() => p.phone.lines.get(1).registered);
      await p.post('/api/v1/callctrl/dial', { data: { Dest: '1002', Line: '1' } });
      await waitFor(() => reg.seen.some((q) => q.method === 'INVITE'));
      const invite = reg.seen.find((q) => q.method === 'INVITE') as SipRequest;
      assert.equal(invite.uri, `sip:1002@127.0.0.1:${reg.port}`);
      assert.match(invite.headers.get('from') ?? '', new RegExp(`^<sip:1001@127\\.0\\.0\\.1:${reg.port}>;tag=`));
      const sdp = invite.body.toString();
      assert.match(sdp, /^m=audio 9 RTP\/AVP 9 0 8 127$/m);
      assert.match(sdp, /^a=rtpmap:127 telephone-event\/8000$/m);
      assert.equal(
        ((await p.get('/api/v2/webCallControl/callStatus')).body['data'] as Record<string, string>[])[0]?.['CallState'],
        'Setup',
      );
    } finally {
      await p.stop();
    }
  });

  it('fails over to the second server when the first does not answer, and says so in lineInfo', async () => {
    const silent = await registrar(true);
    const second = await registrar();
    sockets.push(silent.socket, second.socket);
    const p = await testPhone({
      sipPort: 0,
      set: {
        'reg.1.server.1.address': '127.0.0.1',
        'reg.1.server.1.port': String(silent.port),
        'reg.1.server.1.retryTimeOut': '100',
        'reg.1.server.1.retryMaxCount': '2',
        'reg.1.server.2.address': '127.0.0.1',
        'reg.1.server.2.port': String(second.port),
        'reg.1.server.2.retryTimeOut': '100',
      },
    });
    try {
      await waitFor(() => p.phone.lines.get(1).registered, 5000);
      assert.equal(silent.seen.length, 3, 'the first server got the REGISTER and two retransmissions');
      assert.equal(second.seen.length, 1);
      const servers =
        ((await p.get('/api/v2/mgmt/lineInfo?line=1')).body['data'] as { CallServers: Record<string, string>[] }[])[0]?.CallServers ?? [];
      assert.deepEqual(
        servers.map((s) => [s['ID'], s['RegistrationStatus'], s['Working']]),
        [
          ['1', 'Unregistered', 'False'],
          ['2', 'Registered', 'True'],
        ],
      );
    } finally {
      await p.stop();
    }
  });
});
