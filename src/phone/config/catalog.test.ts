import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalog, holdsSecret } from './catalog.js';

describe('secrets in the catalogue', () => {
  const byName = new Map(catalog.map((p) => [p.name, p]));

  it('every parameter that holds a password, a PIN or a private key is secret, wherever it is defined', () => {
    const holding = catalog.filter((p) => holdsSecret(p.name) && p.type.kind === 'string');
    assert.ok(holding.length >= 15, `${holding.length} found`);
    assert.deepEqual(
      holding.filter((p) => !p.secret).map((p) => p.name),
      [],
    );
    for (const name of [
      'apps.push.password',
      'apps.statePolling.password',
      'device.auth.localAdminPassword',
      'device.logincred.pin',
      'device.net.dot1x.password',
      'device.sec.configEncryption.key',
      'dir.corp.password',
      'prov.login.localPassword',
      'reg.{line}.auth.password',
      'sec.TLS.customDeviceKey.1',
      'xmpp.1.auth.password',
    ])
      assert.equal(byName.get(name)?.secret, true, name);
  });

  it('their switches and counts are not secrets', () => {
    for (const name of [
      'prov.login.localPassword.hashed',
      'sec.pwd.length.admin',
      'prov.loginCredPwdFlushed.enabled',
      'sec.srtp.key.lifetime',
    ])
      assert.notEqual(byName.get(name)?.secret, true, name);
  });
});
