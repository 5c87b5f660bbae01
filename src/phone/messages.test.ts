/** The phone's instant message inbox: bounded, newest last, read flags, what the screen is told. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INBOX_MAX, MessageInbox, TEXT_MAX } from './messages.js';

function inbox(): { box: MessageInbox; changes: () => number; clock: { t: number } } {
  const clock = { t: 1_000 };
  let changes = 0;
  const box = new MessageInbox({ now: () => clock.t, changed: () => changes++ });
  return { box, changes: () => changes, clock };
}

describe('instant message inbox', () => {
  it('keeps messages in order with sender, text, time and read flag; the screen is told of each', () => {
    const { box, changes, clock } = inbox();
    box.receive(1, 'sip:2002@pbx', 'Ann', 'hi');
    clock.t = 2_000;
    box.sent(1, 'sip:2002@pbx', 'hello');
    box.receive(2, 'sip:3003@pbx', '', 'ping');
    assert.deepEqual(
      box.all().map((m) => [m.id, m.line, m.direction, m.peer, m.name, m.text, m.at, m.read]),
      [
        [1, 1, 'in', 'sip:2002@pbx', 'Ann', 'hi', 1_000, false],
        [2, 1, 'out', 'sip:2002@pbx', '', 'hello', 2_000, true],
        [3, 2, 'in', 'sip:3003@pbx', '', 'ping', 2_000, false],
      ],
    );
    assert.equal(box.unread, 2);
    assert.equal(box.latestUnread()?.text, 'ping');
    assert.equal(changes(), 3);
  });

  it('marks all read (once: nothing to tell the second time) and forgets all on clear', () => {
    const { box, changes } = inbox();
    box.receive(1, 'sip:a@b', '', 'x');
    assert.equal(box.markAllRead(), true);
    assert.equal(box.markAllRead(), false);
    assert.equal(box.unread, 0);
    assert.equal(box.latestUnread(), undefined);
    assert.equal(changes(), 2);
    box.clear();
    assert.deepEqual(box.all(), []);
  });

  it(`keeps the last ${INBOX_MAX} and at most ${TEXT_MAX} characters of each`, () => {
    const { box } = inbox();
    for (let i = 1; i <= INBOX_MAX + 5; i++) box.receive(1, 'sip:a@b', '', `m${i}`);
    assert.equal(box.all().length, INBOX_MAX);
    assert.equal(box.all()[0]?.text, 'm6');
    assert.equal(box.all().at(-1)?.id, INBOX_MAX + 5);
    box.receive(1, 'sip:a@b', '', 'y'.repeat(TEXT_MAX + 10));
    assert.equal(box.all().at(-1)?.text.length, TEXT_MAX);
  });
});
