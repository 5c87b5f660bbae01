import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findModel, models, ProfileError, resolveProfile } from './models.js';
import { atLeast, compareVersions, parseVersion } from './firmware.js';

describe('models and firmware profiles', () => {
  it('finds models ignoring case, spaces and dashes', () => {
    assert.equal(findModel('vvx450')?.name, 'VVX 450');
    assert.equal(findModel('  Trio-8800 ')?.name, 'Trio 8800');
    assert.equal(findModel('EDGE E450')?.name, 'Edge E450');
    assert.equal(findModel('e450')?.name, 'Edge E450');
    assert.equal(findModel('trio c60')?.name, 'Trio C60');
    assert.equal(findModel('VVX 9000'), undefined);
  });

  it('covers the six families of the manual, and the CCX 350 has no REST API', () => {
    assert.deepEqual(new Set(models.map((m) => m.family)), new Set(['VVX', 'Trio8x00', 'Trio8300', 'TrioC60', 'CCX', 'EdgeE']));
    assert.equal(findModel('CCX 350')?.restApi, false);
    assert.ok(models.filter((m) => m.name !== 'CCX 350').every((m) => m.restApi));
  });

  it('uses the family default firmware and refuses releases that do not exist for it', () => {
    assert.equal(resolveProfile('VVX 450').firmware, '6.4.3');
    assert.equal(resolveProfile('CCX 600').firmware, '9.5.0');
    assert.throws(() => resolveProfile('VVX 450', '5.8.0'), ProfileError);
    assert.throws(() => resolveProfile('VVX 450', '7.0.0'), ProfileError);
    assert.throws(() => resolveProfile('Trio 8800', '6.4.3'), ProfileError);
    assert.throws(() => resolveProfile('CCX 600', '7.9.9'), ProfileError);
    assert.throws(() => resolveProfile('CCX 600', 'v9'), ProfileError);
  });

  it("switches Digest, sessions, powerStatus and joinCalls at the manual's releases", () => {
    assert.equal(resolveProfile('CCX 600', '9.1.9').digestAuth, false);
    assert.equal(resolveProfile('CCX 600', '9.2.0').digestAuth, true);
    assert.equal(resolveProfile('Trio C60', '9.2.0').sessions, true);
    assert.equal(resolveProfile('Edge E450', '8.2.9').digestAuth, false);
    assert.equal(resolveProfile('Edge E450', '8.3.0').digestAuth, true);
    assert.equal(resolveProfile('Trio 8300', '9.5.0').digestAuth, false);
    assert.equal(resolveProfile('VVX 450').digestAuth, false);
    assert.equal(resolveProfile('Edge E450', '8.5.0').joinCalls, false);
    assert.equal(resolveProfile('Edge E450', '8.6.0').joinCalls, true);
    assert.equal(resolveProfile('CCX 600', '8.0.0').joinCalls, true);
    assert.equal(resolveProfile('CCX 600', '8.9.0').powerStatus, false);
    assert.equal(resolveProfile('CCX 600', '9.0.0').powerStatus, true);
    assert.equal(resolveProfile('VVX 450').powerStatus, false);
    assert.equal(resolveProfile('VVX 450', '6.4.1').sipNotify, false);
    assert.equal(resolveProfile('VVX 450', '6.4.2').sipNotify, true);
  });

  it('gives each family its key set, with LineN up to the visible lines (at most 12)', () => {
    assert.deepEqual(resolveProfile('CCX 600').keys, ['MicMute', 'VolDown', 'VolUp']);
    assert.deepEqual(resolveProfile('Trio C60').keys, ['MicMute', 'VolDown', 'VolUp']);
    const vvx150 = resolveProfile('VVX 150').keys;
    assert.ok(vvx150.includes('Line2') && !vvx150.includes('Line3'));
    const e450 = resolveProfile('Edge E450').keys;
    assert.ok(e450.includes('Line12') && !e450.includes('Line13') && e450.includes('DialpadPound'));
    assert.equal(resolveProfile('Trio 8300').keys.length, 32 + 1);
  });

  it('compares versions numerically', () => {
    assert.equal(compareVersions(parseVersion('9.10.0') ?? [], parseVersion('9.2.0') ?? []), 1);
    assert.equal(atLeast('6.4.3.1234', '6.4.3'), true);
    assert.equal(atLeast('6.4', '6.4.0'), true);
    assert.equal(parseVersion('6.x'), undefined);
  });
});
