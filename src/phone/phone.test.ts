import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { powerState } from './power.js';
import { signIn } from './skype.js';
import { PhoneError } from './status.js';
import { unitPhone } from './test-phone.js';
import { colonMac, derivedMac, formatUptimeLong, formatUptimeShort, linkLocalFromMac } from './identity.js';

describe('phone lifecycle on a manual clock', () => {
  it('boots into initializing, becomes ready after initMs, and applies its boot provisioning', () => {
    const { phone, clock } = unitPhone('VVX 450', { bootConfig: { 'apps.restapi.enabled': '1' } });
    const events: string[] = [];
    phone.on('up', () => events.push('up'));
    phone.on('ready', () => events.push('ready'));
    phone.start();
    assert.equal(phone.state, 'initializing');
    assert.deepEqual(phone.config.get('apps.restapi.enabled'), { value: '1', source: 'CONFIG' });
    clock.advance(999);
    assert.equal(phone.state, 'initializing');
    clock.advance(1);
    assert.equal(phone.state, 'ready');
    assert.deepEqual(events, ['up', 'ready']);
  });

  it('restart keeps device uptime; reboot resets it; both are away for their time', () => {
    const { phone, clock } = unitPhone();
    phone.start();
    clock.advance(60_000);
    const events: string[] = [];
    phone.on('down', (r) => events.push(`down:${r}`));
    phone.on('up', () => events.push('up'));
    phone.goDown('restart');
    assert.equal(phone.isUp, false);
    assert.equal(phone.uptimeMs(), 0);
    clock.advance(4_999);
    assert.equal(phone.isUp, false);
    clock.advance(1);
    assert.equal(phone.isUp, true);
    assert.equal(phone.uptimeMs(), 65_000);
    phone.goDown('reboot');
    clock.advance(20_000);
    assert.equal(phone.uptimeMs(), 0);
    clock.advance(1_500);
    assert.equal(phone.isReady, true);
    assert.deepEqual(events, ['down:restart', 'up', 'down:reboot', 'up']);
  });

  it('refuses boot provisioning with unknown parameters before starting', () => {
    assert.throws(() => unitPhone('VVX 450', { bootConfig: { 'no.such': '1' } }), PhoneError);
  });

  it('counts packets from traffic and from background time, reset by a reboot', () => {
    const { phone, clock } = unitPhone();
    phone.start();
    phone.traffic.noteRequest();
    phone.traffic.noteRequest();
    clock.advance(10_000);
    assert.deepEqual(phone.packets(), { rx: 2 + 8, tx: 2 + 5 });
    assert.equal(phone.traffic.recentRequests(), 0);
    phone.goDown('reboot');
    clock.advance(20_000);
    assert.deepEqual(phone.packets(), { rx: 0, tx: 0 });
  });
});

describe('power state from the clock', () => {
  it('goes PowerOn -> PowerIdle after the backlight timeout -> PowerOff after the power-saving timeout', () => {
    const { phone, clock } = unitPhone('CCX 600');
    phone.start();
    assert.equal(powerState(phone, false), 'PowerOn');
    clock.advance(40_000);
    assert.equal(powerState(phone, false), 'PowerIdle');
    clock.advance(10 * 60_000);
    assert.equal(powerState(phone, false), 'PowerOff');
    assert.equal(powerState(phone, true), 'PowerInCall');
    phone.noteActivity();
    assert.equal(powerState(phone, false), 'PowerOn');
    phone.config.set('LOCAL', { 'powerSaving.enable': '0' });
    clock.advance(60 * 60_000);
    assert.equal(powerState(phone, false), 'PowerIdle');
  });
});

describe('Skype for Business sign-in', () => {
  it('times out after 150 s when the directory does not serve the domain', async () => {
    const { phone, clock } = unitPhone('CCX 600', { skypeDirectory: new Map([['a@contoso.com', 'x']]) });
    phone.start();
    let settled: unknown = 'pending';
    const attempt = signIn(phone, 'b@elsewhere.com', 'b', 'x').then(
      () => 'ok',
      (e: unknown) => e,
    );
    void attempt.then((v) => {
      settled = v;
    });
    clock.advance(149_999);
    await Promise.resolve();
    assert.equal(settled, 'pending');
    clock.advance(1);
    const result = await attempt;
    assert.ok(result instanceof PhoneError && result.code === '5000');
  });
});

describe('identity formats', () => {
  it('derives MACs, the EUI-64 link-local address and uptime strings', () => {
    assert.equal(colonMac('0004F2A1B2C3'), '00:04:f2:a1:b2:c3');
    assert.equal(derivedMac('0004F2FFFFFF', 1), '0004F3000000');
    assert.equal(derivedMac('0004F2A1B2C3', 2), '0004F2A1B2C5');
    assert.equal(derivedMac('FFFFFFFFFFFF', 1), '000000000000', 'wraps at 48 bits');
    assert.equal(derivedMac('000000000000', -1), 'FFFFFFFFFFFF');
    assert.equal(linkLocalFromMac('0004F2A1B2C3'), 'fe80::204:f2ff:fea1:b2c3');
    assert.equal(formatUptimeShort(90_061_000), '1 Day 1:01:01');
    assert.equal(formatUptimeLong(100_000), '0 days, 0 hours, 1 minutes, 40 seconds');
  });
});

describe('lines', () => {
  it('assigned() builds the lines with an address only, the same as all() filtered', () => {
    const { phone } = unitPhone('VVX 450', { bootConfig: { 'reg.1.address': '1001', 'reg.3.address': '1003' } });
    phone.start();
    assert.deepEqual(
      phone.lines.assigned().map((l) => l.number),
      [1, 3],
    );
    assert.deepEqual(
      phone.lines.assigned(),
      phone.lines.all().filter((l) => l.assigned),
    );
  });

  it('a line read again follows every configuration change and registration loss since the last read', () => {
    const { phone } = unitPhone('VVX 450', { bootConfig: { 'reg.1.address': '1001', 'voIpProt.server.1.address': '127.0.0.1' } });
    phone.start();
    const first = phone.lines.get(1);
    assert.equal(first.label, '1001');
    assert.equal(first.registered, true);
    phone.config.set('WEB', { 'reg.1.label': 'Desk', 'reg.1.server.1.address': 'sip.example.com', 'reg.1.server.1.port': '5070' });
    const changed = phone.lines.get(1);
    assert.equal(changed.label, 'Desk');
    assert.deepEqual(
      changed.servers.map((s) => [s.address, s.port]),
      [['sip.example.com', 5070]],
    );
    assert.equal(first.label, '1001', 'a line read before keeps what it said');
    phone.lines.loseRegistration(1);
    assert.equal(phone.lines.get(1).registered, false);
    phone.lines.restoreRegistration(1);
    assert.equal(phone.lines.get(1).registered, true);
    phone.config.clear(['WEB']);
    assert.equal(phone.lines.get(1).label, '1001');
    phone.config.replace('LOCAL', { 'reg.2.address': '1002' });
    assert.equal(phone.lines.get(2).assigned, true);
  });
});
