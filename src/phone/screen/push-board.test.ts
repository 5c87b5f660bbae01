import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { priorityOf, PushBoard, textOf, WAITING_MAX } from './push-board.js';

/** What the board shows (read through a call: assertions narrow a property read). */
const text = (b: PushBoard): string | undefined => b.shown?.text;

function board(): { b: PushBoard; state: { idle: boolean; changes: number } } {
  const state = { idle: true, changes: 0 };
  const b = new PushBoard({ idle: () => state.idle, now: () => 1000, changed: () => state.changes++ });
  return { b, state };
}

describe('push messages against the phone state (Web Application Developer guide, tables 10 and 13)', () => {
  it('idle: any priority shows at once; another arriving meanwhile waits its turn (first in, first out)', () => {
    const { b } = board();
    b.offer('Normal', 'one');
    assert.equal(text(b), 'one');
    b.offer('Normal', 'two');
    b.offer('Normal', 'three');
    assert.equal(text(b), 'one');
    b.dismiss();
    assert.equal(text(b), 'two');
    b.dismiss();
    assert.equal(text(b), 'three');
    b.dismiss();
    assert.equal(b.shown, undefined);
  });

  it('busy: Normal waits for idle; Critical interrupts; High shows unless the last shown was as high or higher', () => {
    const { b, state } = board();
    state.idle = false;
    b.offer('Normal', 'normal');
    assert.equal(b.shown, undefined);
    b.offer('Important', 'important');
    assert.equal(text(b), 'important', 'nothing shown before: Important shows at once');
    b.offer('High', 'high');
    assert.equal(text(b), 'high', 'High over Important');
    b.offer('Important', 'important 2');
    assert.equal(text(b), 'high', 'Important waits behind High');
    b.offer('Critical', 'critical');
    assert.equal(text(b), 'critical');
    b.offer('High', 'high 2');
    assert.equal(text(b), 'critical', 'High waits behind Critical');
    // Closing the Critical message while busy: only Critical may show, so the screen goes back to the call.
    b.dismiss();
    assert.equal(b.shown, undefined);
    state.idle = true;
    b.phoneChanged();
    // The interrupted High first (it was shown before), then by priority: High, Important, Normal.
    const order: string[] = [];
    for (let t = text(b); t !== undefined; t = text(b)) {
      order.push(t);
      b.dismiss();
    }
    assert.deepEqual(order, ['high', 'high 2', 'important', 'important 2', 'normal']);
  });

  it('at most WAITING_MAX wait: past that the newest of the lowest priority is dropped, and counted', () => {
    const { b } = board();
    b.offer('Normal', 'shown');
    for (let i = 0; i < WAITING_MAX + 3; i++) b.offer('Normal', `n${i}`);
    assert.equal(b.queued.length, WAITING_MAX);
    assert.equal(b.dropped, 3);
    b.offer('Critical', 'c');
    assert.equal(text(b), 'c');
    assert.equal(b.queued[0]?.text, 'shown', 'the interrupted message goes first');
  });

  it('priority attributes in any case; absent or unknown is Normal', () => {
    assert.equal(priorityOf('critical'), 'Critical');
    assert.equal(priorityOf(' HIGH '), 'High');
    assert.equal(priorityOf(undefined), 'Normal');
    assert.equal(priorityOf('all'), 'Normal');
  });

  it('the text of a pushed page: markup out, entities decoded, blocks on lines', () => {
    assert.equal(
      textOf('<h1> Fire  Drill </h1>Please exit &amp; gather<br/>outside<script>alert(1)</script>'),
      'Fire Drill\nPlease exit & gather\noutside',
    );
  });
});
