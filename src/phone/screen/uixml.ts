/**
 * The screen as UIXML, and where things are on it. Softkeys sit in a row at the bottom; their pages ("More") lie
 * side by side, so a softkey's x includes its page's view-offset (0:0, W:0, 2W:0 ...): subtract the offset's x
 * to get the point to tap. On touch screens the lines are listed down the left third.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { blfLineKeys } from '../blf.js';
import type { ScreenHost } from './screen-host.js';
import type { Screen } from './screen.js';

export const TITLE_HEIGHT = 24;
export const SOFTKEY_HEIGHT = 32;
export const LINE_ROW_HEIGHT = 40;

/** How many line rows fit between the title and the softkeys (at most 12, as the key set allows). */
export function visibleLines(phone: ScreenHost): number {
  const rows = Math.floor((phone.profile.model.screen.height - TITLE_HEIGHT - SOFTKEY_HEIGHT) / LINE_ROW_HEIGHT);
  return Math.max(1, Math.min(phone.lines.count, 12, rows));
}

export function softkeyWidth(phone: ScreenHost, keysOnPage: number): number {
  return Math.floor(phone.profile.model.screen.width / Math.max(4, keysOnPage));
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

export function renderUixml(phone: ScreenHost, screen: Screen): string {
  const { width: W, height: H } = phone.profile.model.screen;
  const view = screen.view();
  const pages = screen.pages();
  const softkeys = pages.flatMap((page, p) => {
    const kw = softkeyWidth(phone, page.length);
    return page.map((k, i) => ({
      '@_index': String(i + 1),
      '@_label': k.label,
      '@_x': String(p * W + i * kw),
      '@_y': String(H - SOFTKEY_HEIGHT),
      '@_width': String(kw),
      '@_height': String(SOFTKEY_HEIGHT),
      '@_view-offset': `${p * W}:0`,
      '@_visible': p === screen.softkeyPage ? 'true' : 'false',
    }));
  });
  const now = phone.clock.now();
  const active = phone.calls.active();
  const doc = {
    UIXML: {
      '@_model': phone.profile.model.name,
      '@_width': String(W),
      '@_height': String(H),
      '@_touch': phone.profile.model.screen.touch ? 'true' : 'false',
      Screen: {
        '@_name': view,
        Title: view === 'Idle' ? phone.lines.get(screen.selectedLine).label || 'Home' : view,
        Lines: {
          Line: phone.lines
            .all()
            .slice(0, visibleLines(phone))
            .map((l, i) => ({
              '@_number': String(l.number),
              '@_label': l.label,
              '@_registered': l.registered ? 'true' : 'false',
              '@_selected': l.number === screen.selectedLine ? 'true' : 'false',
              '@_x': '0',
              '@_y': String(TITLE_HEIGHT + i * LINE_ROW_HEIGHT),
              '@_width': String(Math.floor(W / 3)),
              '@_height': String(LINE_ROW_HEIGHT),
            })),
        },
        Calls: {
          Call: phone.calls.all().map((c) => ({
            '@_handle': c.handle,
            '@_line': String(c.line),
            '@_state': c.stateLabel,
            '@_remote': c.remote.number,
            '@_name': c.remote.name,
            '@_duration': String(c.durationSeconds(now)),
            '@_active': c === active ? 'true' : 'false',
          })),
        },
        ...(screen.push.shown
          ? {
              Browser: {
                '@_priority': screen.push.shown.priority,
                ...(screen.push.shown.url ? { '@_url': screen.push.shown.url } : {}),
                '@_waiting': String(screen.push.queued.length),
                '#text': screen.push.shown.text,
              },
            }
          : {}),
        ...instantMessage(phone),
        ...busyLampField(phone),
        TextField: { '@_name': view === 'Dialer' ? 'dial' : 'text', '#text': view === 'Dialer' ? screen.dialBuffer : screen.text },
        Status: { '@_muted': phone.calls.muted ? 'true' : 'false', '@_audio': phone.audioPath, '@_volume': String(screen.volume) },
        SoftKeys: { SoftKey: softkeys },
      },
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc) as string}`;
}

/** The busy lamp field keys (blf.ts): on which line key, what each watches and shows, who calls a ringing one. */
function busyLampField(phone: ScreenHost): Record<string, unknown> {
  const keys = blfLineKeys(phone.lines, phone.blf);
  if (keys.length === 0) return {};
  return {
    BusyLampField: {
      Key: keys.map(({ key, blf }) => ({
        '@_key': String(key),
        '@_label': blf.label,
        '@_address': blf.address,
        '@_type': blf.type,
        '@_state': blf.state,
        ...(blf.caller ? { '@_caller': blf.caller.number || blf.caller.uri } : {}),
        ...(blf.caller?.name ? { '@_callerName': blf.caller.name } : {}),
      })),
    },
  };
}

/** The notification of unread instant messages (messages.ts): how many, and the newest one's sender and text. */
function instantMessage(phone: ScreenHost): Record<string, unknown> {
  const latest = phone.messages.latestUnread();
  if (!latest) return {};
  return {
    InstantMessage: {
      '@_unread': String(phone.messages.unread),
      '@_line': String(latest.line),
      '@_from': latest.peer,
      ...(latest.name ? { '@_name': latest.name } : {}),
      '#text': latest.text,
    },
  };
}

/** What a tap at (x, y) of the visible screen does: a softkey of the page shown, or a line on touch screens. */
export function tapAt(phone: ScreenHost, screen: Screen, x: number, y: number): void {
  const { width: W, height: H } = phone.profile.model.screen;
  if (y >= H - SOFTKEY_HEIGHT) {
    const keys = screen.visibleSoftkeys();
    const i = Math.floor(x / softkeyWidth(phone, keys.length));
    keys[i]?.action();
    return;
  }
  if (phone.profile.model.screen.touch && y >= TITLE_HEIGHT && x < Math.floor(W / 3)) {
    const line = Math.floor((y - TITLE_HEIGHT) / LINE_ROW_HEIGHT) + 1;
    if (line <= visibleLines(phone)) screen.lineKey(line);
  }
}
