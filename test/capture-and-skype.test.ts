import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertOk, assertStatus, recordingServer, testPhone } from './helpers.js';

const CAPTURE = '/api/v1/mgmt/network/uploadBgCapture';

/** Reads a libpcap file: header fields and each record's frame. */
function readPcap(buf: Buffer): { linkType: number; frames: Buffer[] } {
  assert.equal(buf.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(buf.readUInt16LE(4), 2);
  assert.equal(buf.readUInt16LE(6), 4);
  const frames: Buffer[] = [];
  let off = 24;
  while (off < buf.length) {
    const len = buf.readUInt32LE(off + 8);
    assert.equal(buf.readUInt32LE(off + 12), len);
    frames.push(buf.subarray(off + 16, off + 16 + len));
    off += 16 + len;
  }
  assert.equal(off, buf.length);
  return { linkType: buf.readUInt32LE(20), frames };
}

describe('uploadBgCapture', () => {
  it('is 404 unless both pcap parameters are 1, uploads a valid pcap, then refuses again within 10 s', async () => {
    const server = await recordingServer();
    const p = await testPhone();
    try {
      assert.equal((await p.post(CAPTURE, { data: { url: `${server.url}/cap.pcap` } })).http, 404);
      await p.post('/api/v1/mgmt/config/set', { data: { 'diags.pcap.enabled': '1' } });
      assert.equal((await p.post(CAPTURE, { data: { url: `${server.url}/cap.pcap` } })).http, 404);
      await p.post('/api/v1/mgmt/config/set', { data: { 'diags.pcap.background.enabled': '1' } });
      assertStatus(await p.post(CAPTURE, { data: { url: 'ftp:nothing' } }), '4000', 400);
      assertStatus(await p.post(CAPTURE), '4000', 400);
      assertOk(await p.post(CAPTURE, { data: { url: `${server.url}/cap.pcap` } }), CAPTURE);
      assertStatus(await p.post(CAPTURE, { data: { url: `${server.url}/cap.pcap` } }), '4001', 400);
      const upload = server.received[0];
      assert.equal(upload?.url, '/cap.pcap');
      const pcap = readPcap(upload?.body ?? Buffer.alloc(0));
      assert.equal(pcap.linkType, 1);
      assert.ok(pcap.frames.length >= 2);
      const frame = pcap.frames[0] as Buffer;
      assert.equal(frame.readUInt16BE(12), 0x0800, 'IPv4 in Ethernet');
      assert.equal(frame[14 + 9], 17, 'UDP');
      assert.match(frame.subarray(42).toString(), /^REGISTER sip:/);
    } finally {
      await p.stop();
      await server.close();
    }
  });

  it('defaults to the provisioning server and answers 5000 when the upload fails', async () => {
    const server = await recordingServer(() => ({ status: 403 }));
    const p = await testPhone({ set: { 'diags.pcap.enabled': '1', 'diags.pcap.background.enabled': '1' } });
    try {
      await p.post('/api/v1/mgmt/config/set', { data: { 'device.prov.serverName': `${server.url}/prov/` } });
      assertStatus(await p.post(CAPTURE, {}), '5000', 500);
      assert.equal(server.received[0]?.url, `/prov/${p.phone.identity.mac.toLowerCase()}-capture.pcap`);
    } finally {
      await p.stop();
      await server.close();
    }
  });
});

describe('Skype for Business operations', () => {
  const signIn = (Password: string, Address = 'alice@contoso.com') => ({ data: { Address, User: 'alice', Password, Domain: '' } });

  it('answer 4004 unless the base profile is Skype or Teams', async () => {
    const p = await testPhone();
    try {
      for (const [path, method] of [
        ['/api/v1/mgmt/skype/signIn', 'POST'],
        ['/api/v1/mgmt/skype/signOut', 'POST'],
        ['/api/v1/mgmt/getPresence', 'GET'],
        ['/api/v1/mgmt/webSignIn', 'POST'],
        ['/api/v1/mgmt/webSignInCancel', 'GET'],
      ] as const) {
        const a = method === 'GET' ? await p.get(path) : await p.post(path, signIn('x'));
        assertStatus(a, '4004', 400);
      }
    } finally {
      await p.stop();
    }
  });

  it('sign in succeeds, fails or times out against the directory; sign out; presence follows', async () => {
    const p = await testPhone({
      model: 'CCX 600',
      set: { 'device.baseProfile': 'SkypeForBusiness', 'httpd.rest.auth.basic.enabled': '1' },
      skypeDirectory: new Map([['alice@contoso.com', 'pw1']]),
    });
    try {
      assert.equal((await p.get('/api/v1/mgmt/getPresence')).body['Presence'], 'Offline');
      assertStatus(await p.post('/api/v1/mgmt/skype/signOut'), '4003', 400);
      assertStatus(await p.post('/api/v1/mgmt/skype/signIn', { data: { Address: 'alice@contoso.com' } }), '4000', 400);
      assertStatus(await p.post('/api/v1/mgmt/skype/signIn', signIn('wrong')), '5000', 500);
      assertStatus(await p.post('/api/v1/mgmt/skype/signIn', signIn('pw1', 'bob@fabrikam.com')), '5000', 500);
      assertOk(await p.post('/api/v1/mgmt/skype/signIn', signIn('pw1')), '/api/v1/mgmt/skype/signIn');
      assertStatus(await p.post('/api/v1/mgmt/skype/signIn', signIn('pw1')), '4003', 400);
      const presence = await p.get('/api/v1/mgmt/getPresence');
      assertOk(presence, '/api/v1/mgmt/getPresence');
      assert.equal(presence.body['Presence'], 'Available');
      assertOk(await p.post('/api/v1/mgmt/skype/signOut'), '/api/v1/mgmt/skype/signOut');
      const web = assertOk(await p.post('/api/v1/mgmt/webSignIn'), '/api/v1/mgmt/webSignIn')['data'] as Record<string, string>;
      assert.equal(web['Url'], 'http://aka.ms/sphone');
      assert.match(web['Code'] ?? '', /^[a-z2-9]{9}$/);
      assert.deepEqual(assertOk(await p.get('/api/v1/mgmt/webSignInCancel'), '/api/v1/mgmt/webSignInCancel')['data'], {
        result: 'Canceled',
      });
    } finally {
      await p.stop();
    }
  });
});
