/**
 * A fleet across hosts: scripts/netns-fleets.sh puts two polysim fleets in two network namespaces of this
 * machine (joined by a bridge, addresses in 198.18.0.0/15), registers both to one Kamailio, and has each phone of
 * one fleet call its partner in the other, with RTP between the hosts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ROOT } from './root.js';
import { needs } from './peers.js';

const exec = promisify(execFile);

describe('two fleets on two hosts (network namespaces), one Kamailio', { skip: needs('root', 'ip', 'kamailio', 'curl') }, () => {
  it('registers every phone and connects a call per pair, with media both ways', { timeout: 120_000 }, async () => {
    const { stdout } = await exec('bash', ['scripts/netns-fleets.sh'], {
      cwd: ROOT,
      env: { ...process.env, COUNT: '2' },
    });
    assert.match(stdout, /^registered: 4 phones on two hosts to Kamailio at 198\.18\.77\.1$/m);
    assert.match(stdout, /^connected: 2 calls from 198\.18\.77\.2 to 198\.18\.77\.3, RTP flowing both ways$/m);
    const { stdout: left } = await exec('ip', ['netns', 'list']);
    assert.doesNotMatch(left, /psim/, 'the namespaces are gone afterwards');
  });
});
