import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameSecret } from './same-secret.js';

describe('sameSecret', () => {
  it('is true for equal strings only, whatever their lengths', () => {
    assert.equal(sameSecret('Pw-1', 'Pw-1'), true);
    assert.equal(sameSecret('', ''), true);
    assert.equal(sameSecret('Pw-1', 'Pw-2'), false);
    assert.equal(sameSecret('Pw-1', 'Pw-10'), false);
    assert.equal(sameSecret('Pw-1', 'pw-1'), false, 'case counts');
    assert.equal(sameSecret('é', 'e\u0301'), false, 'compared as UTF-8 bytes, not normalised');
  });
});
