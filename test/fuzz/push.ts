/**
 * Push bodies for the fuzz runs (test/fuzz.test.ts, scripts/fuzz.ts): well-formed pushes with drawn content,
 * priorities and types, bent ones, and garbage, sent to a phone's /push with Digest as its push account. The phone
 * must answer each with one of the push server's statuses and go on.
 */
import fc from 'fast-check';
import { challenges, sign } from '../digest-client.js';
import type { Challenge } from '../digest-client.js';

const PRIORITY = fc.constantFrom('Critical', 'critical', 'High', 'Important', 'Normal', 'normal', 'all', '', '"><x', 'ÿ');
const TYPES = ['application/xhtml+xml', 'application/x-com-polycom-spipx', 'text/xml', 'application/xml', 'text/plain', ''];
const URIS = [
  'Key:Line1',
  'Key:Dialpad5',
  'Key:SoftKey1',
  'Key:Nope',
  'tel:\\\\1002',
  'Tel:1002;Line3',
  'sip:x@y',
  'Play:a.wav',
  'Action:UpdateConfig',
];

const content = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.constantFrom(...URIS), { maxLength: 6 }).map((l) => l.join('\n')),
  fc.string({ maxLength: 40 }).map((s) => `<h1>${s}</h1><p>${s}</p><br/>&amp;&lt;`),
  fc.nat(40).map((d) => `${'<div>'.repeat(d)}deep${'</div>'.repeat(d)}`),
  fc.integer({ min: 1900, max: 2300 }).map((n) => 'x'.repeat(n)),
);

export interface PushCase {
  readonly body: Buffer;
  readonly contentType: string;
}

export function pushCase(): fc.Arbitrary<PushCase> {
  const wellFormed = fc
    .tuple(fc.constantFrom('Data', 'URL'), PRIORITY, content)
    .map(([el, p, c]) => `<PolycomIPPhone><${el} priority="${p}">${c}</${el}></PolycomIPPhone>`);
  const bent = fc.tuple(wellFormed, fc.nat(200), fc.string({ maxLength: 8 })).map(([s, at, ins]) => s.slice(0, at) + ins + s.slice(at));
  const garbage = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a).toString('latin1'));
  const huge = fc.integer({ min: 19_000, max: 24_000 }).map((n) => `<PolycomIPPhone><Data>${'y'.repeat(n)}</Data></PolycomIPPhone>`);
  return fc.record({
    body: fc
      .oneof(
        { weight: 5, arbitrary: wellFormed },
        { weight: 2, arbitrary: bent },
        { weight: 2, arbitrary: garbage },
        { weight: 1, arbitrary: huge },
      )
      .map((s) => Buffer.from(s, 'latin1')),
    contentType: fc.constantFrom(...TYPES),
  });
}

export interface PushTally {
  readonly byStatus: Record<string, number>;
  /** Answers the push server does not give (anything but 200, 400, 403, 413), with what was sent. */
  readonly unexpected: string[];
}

export function newPushTally(): PushTally {
  return { byStatus: {}, unexpected: [] };
}

const PUSH_STATUSES = new Set([200, 400, 403, 413]);

/** Signs pushes for one phone: one challenge, then a fresh count per request; a new challenge when it goes stale. */
export class PushSender {
  private challenge: Challenge | undefined;
  private nc = 0;

  constructor(
    private readonly url: string,
    private readonly user: string,
    private readonly password: string,
  ) {}

  private async fresh(): Promise<Challenge> {
    const res = await fetch(`${this.url}/push`, { method: 'POST', body: '' });
    await res.arrayBuffer();
    const ch = challenges(res)[0];
    if (!ch) throw new Error(`no Digest challenge from /push (HTTP ${res.status})`);
    this.nc = 0;
    return ch;
  }

  async send(c: PushCase, tally: PushTally): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.challenge ??= await this.fresh();
      const authorization = sign(this.challenge, { method: 'POST', uri: '/push', user: this.user, password: this.password, nc: ++this.nc });
      const headers: Record<string, string> = { authorization };
      if (c.contentType) headers['content-type'] = c.contentType;
      let status: number;
      try {
        const res = await fetch(`${this.url}/push`, { method: 'POST', headers, body: c.body });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        // The web server closes a connection whose body is over 20 KB (its 413): no answer is also an answer.
        status = c.body.length > 20 * 1024 ? 413 : 0;
      }
      if (status === 401) {
        this.challenge = undefined;
        continue;
      }
      tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
      if (!PUSH_STATUSES.has(status)) tally.unexpected.push(`${status}: ${c.contentType} ${c.body.toString('latin1').slice(0, 120)}`);
      return;
    }
    tally.unexpected.push(`401 twice: ${c.body.toString('latin1').slice(0, 80)}`);
  }
}
