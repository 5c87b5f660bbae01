import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFleetFile } from './fleet-file.js';
import { parseShardIndex, shardFirstNumber, shardMacSuffix, shardPlan } from './shards.js';

describe('fleet shards', () => {
  it('take their ordinal from a number, a pod name or the host name', () => {
    assert.equal(parseShardIndex('3'), 3);
    assert.equal(parseShardIndex('polysim-12'), 12);
    assert.equal(
      parseShardIndex('auto', () => 'polysim-shard-7'),
      7,
    );
    assert.throws(() => parseShardIndex('auto', () => 'laptop'), /host name "laptop" does not end in -<ordinal>/);
    assert.throws(() => parseShardIndex('polysim-'), /--shard wants an ordinal/);
  });

  it('move a fleet file by whole spans of its numbers: no two shards share one', () => {
    const plan = parseFleetFile(
      'f.yaml',
      'phones:\n  - { model: VVX 450, count: 3, number: "1001" }\n  - { model: CCX 600, number: "1010" }\nscenarios:\n  - { kind: periodic-reboot, phone: 4, everyMinutes: 60 }\n',
    );
    const numbers = (i: number): string[] => shardPlan(plan, 1001, { index: i, count: 3 }).members.map((m) => m.number as string);
    assert.deepEqual(numbers(0), ['1001', '1002', '1003', '1010']);
    assert.deepEqual(numbers(1), ['1011', '1012', '1013', '1020']);
    assert.deepEqual(numbers(2), ['1021', '1022', '1023', '1030']);
    const all = [0, 1, 2].flatMap(numbers);
    assert.equal(new Set(all).size, all.length);
    // models and scenarios are every shard's
    assert.equal(shardPlan(plan, 1001, { index: 2, count: 3 }).members[3]?.model, 'CCX 600');
    assert.equal(shardPlan(plan, 1001, { index: 2, count: 3 }).scenarios.length, 1);
    assert.throws(() => shardPlan(plan, 1001, { index: 3, count: 3 }), /shard 3 does not exist in 3 shards/);
    assert.equal(shardFirstNumber(1001, 500, { index: 2, count: 4 }), 2001);
    assert.throws(() => shardFirstNumber(999_999_999_999_000, 500, { index: 3, count: 4 }), /15 digits/);
  });

  it('draw MACs from disjoint residues, within 24 bits', () => {
    for (const draw of [0, 1, 0xfffffe, 0xffffff, 123456]) {
      for (let index = 0; index < 7; index++) {
        const suffix = shardMacSuffix(draw, { index, count: 7 });
        assert.equal(suffix % 7, index);
        assert.ok(suffix >= 0 && suffix <= 0xffffff, String(suffix));
      }
    }
    assert.equal(shardMacSuffix(42, undefined), 42);
  });
});
