/** Which codec a call carries: the offer in voice.codecPref order, the answer the first of the offer we take. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalog } from '../phone/config/catalog.js';
import { CallMedia } from './call-media.js';
import { isProblem, readSdp, writeSdp } from './sdp.js';
import { codecPreference } from './user-agent.js';

const defaultOf = (name: string): number => Number(catalog.find((p) => p.name === name)?.default);

const DEFAULTS = {
  G722: defaultOf('voice.codecPref.G722'),
  G711Mu: defaultOf('voice.codecPref.G711Mu'),
  G711A: defaultOf('voice.codecPref.G711A'),
};

function media(codecs: readonly number[]): CallMedia {
  return new CallMedia({ media: undefined, localAddress: '127.0.0.1', codecs, dtmf: { payload: 127 } }, () => undefined);
}

const offer = (formats: string, extra = ''): Buffer =>
  Buffer.from(`v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP ${formats}\r\n${extra}`);

const audioLine = (sdp: Buffer): string | undefined =>
  sdp
    .toString()
    .split('\r\n')
    .find((l) => l.startsWith('m=audio'));

describe('codecs', () => {
  it('by default a phone offers G.722 first, then G.711 µ-law and A-law, as Poly wideband phones rank them', () => {
    assert.deepEqual(codecPreference(DEFAULTS), [9, 0, 8]);
    const sdp = media(codecPreference(DEFAULTS)).sdp('sendrecv', true);
    assert.equal(audioLine(sdp), 'm=audio 9 RTP/AVP 9 0 8 127');
    // RFC 3551 4.5.2: G.722's RTP clock is 8000 though it samples at 16 kHz
    assert.match(sdp.toString(), /\r\na=rtpmap:9 G722\/8000\r\na=rtpmap:0 PCMU\/8000\r\na=rtpmap:8 PCMA\/8000\r\n/);
  });

  it('voice.codecPref orders the offer and leaves out a codec set to 0; all off falls back to µ-law', () => {
    assert.deepEqual(codecPreference({ ...DEFAULTS, G722: 0 }), [0, 8]);
    assert.deepEqual(codecPreference({ ...DEFAULTS, G711A: 1 }), [8, 9, 0]);
    assert.deepEqual(codecPreference({ G722: 3, G711Mu: 1, G711A: 2 }), [0, 8, 9]);
    assert.deepEqual(codecPreference({ G722: 1, G711Mu: 1, G711A: 1 }), [9, 0, 8], 'a tie keeps G.722, µ-law, A-law');
    assert.deepEqual(codecPreference({ G722: 0, G711Mu: 0, G711A: 0 }), [0]);
  });

  it('an answer takes the first codec of the offer that the phone takes (RFC 3264 6.1), whatever its own order', () => {
    const cases: [string, readonly number[], string][] = [
      ['8 9 0 101', [9, 0, 8], '8'],
      ['18 9 0 101', [9, 0, 8], '9'],
      ['0 9', [9, 0, 8], '0'],
      ['9 0', [0, 8], '0'],
      ['9', [9], '9'],
    ];
    for (const [formats, ours, chosen] of cases) {
      const call = media(ours);
      assert.equal(call.apply(offer(formats, 'a=rtpmap:101 telephone-event/8000\r\n'), false), undefined, formats);
      const answer = readSdp(call.sdp('sendrecv'));
      assert.ok(answer && !isProblem(answer));
      assert.deepEqual(answer.payloads, [Number(chosen)], `offer ${formats}, ours ${ours.join(' ')}`);
    }
  });

  it('an offer with no codec the phone takes is refused 488 with Warning 305', () => {
    assert.deepEqual(media([9, 0, 8]).read(offer('18 97')), { status: 488, warning: 305, text: 'incompatible media format' });
    assert.deepEqual(media([0, 8]).read(offer('9')), { status: 488, warning: 305, text: 'incompatible media format' });
  });

  it('writes G.722 in an answer to a G.722-only offer', () => {
    const sdp = writeSdp({
      sessionId: '1',
      version: 1,
      address: '127.0.0.1',
      port: 20000,
      payloads: [9],
      dtmfPayload: 101,
      direction: 'sendrecv',
    });
    assert.equal(audioLine(sdp), 'm=audio 20000 RTP/AVP 9 101');
    assert.match(sdp.toString(), /a=rtpmap:9 G722\/8000/);
  });
});
