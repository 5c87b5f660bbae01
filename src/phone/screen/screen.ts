/**
 * The phone's screen and keys: what is shown (idle, dialer, incoming call, call, menu), the softkeys of that view,
 * the hook, the dial buffer and text field, and what each key, tap and text input does to the calls.
 * Transfer by key follows call.transfer.type: Blind transfers when the number is dialled; Consultative and Safe
 * call the target first and transfer on the second Transfer press (Safe resumes the held call if the target call
 * fails).
 */
import { blfLineKeys, userOf } from '../blf.js';
import type { BlfKey } from '../blf.js';
import type { Call } from '../calls/call.js';
import type { ScreenHost } from './screen-host.js';
import { PushBoard } from './push-board.js';
import { PhoneError, Status } from '../status.js';

export type View = 'Idle' | 'Dialer' | 'IncomingCall' | 'ActiveCall' | 'HeldCall' | 'Menu' | 'Applications' | 'Browser';

export interface Softkey {
  readonly label: string;
  readonly action: () => void;
}

export class Screen {
  /** Digits typed on the dialer. */
  dialBuffer = '';
  /** A text field's content outside the dialer (search, menus). */
  text = '';
  selectedLine = 1;
  volume = 8;
  menuIndex = 0;
  softkeyPage = 0;
  offHook = false;
  private overlay: 'Menu' | 'Applications' | undefined;
  /** A transfer started with the Transfer key: the held call, and the consult call once dialled. */
  transfer: { from: Call; consult?: Call } | undefined;
  /** Push messages: the one the microbrowser shows, and those waiting (push-board.ts). */
  readonly push: PushBoard;

  constructor(private readonly phone: ScreenHost) {
    this.push = new PushBoard({
      idle: () => phone.calls.all().length === 0,
      now: () => phone.clock.now(),
      changed: () => phone.screenChanged(),
    });
    phone.on('calls', () => this.onCallsChanged());
  }

  /** As after a boot: idle, nothing typed, line 1. */
  reset(): void {
    this.dialBuffer = '';
    this.text = '';
    this.selectedLine = 1;
    this.menuIndex = 0;
    this.softkeyPage = 0;
    this.offHook = false;
    this.overlay = undefined;
    this.transfer = undefined;
    this.push.clear();
  }

  private get calls(): readonly Call[] {
    return this.phone.calls.all();
  }

  private dialtoneCall(): Call | undefined {
    return this.calls.find((c) => c.state === 'Dialtone');
  }

  view(): View {
    if (this.push.shown) return 'Browser';
    if (this.overlay) return this.overlay;
    const active = this.phone.calls.active();
    if (this.dialtoneCall()) return 'Dialer';
    if (this.calls.some((c) => c.state === 'Offering' && c.ringing)) return 'IncomingCall';
    if (active?.state === 'Hold') return 'HeldCall';
    if (active) return 'ActiveCall';
    return 'Idle';
  }

  softkeys(): Softkey[] {
    const calls = this.phone.calls;
    const active = calls.active();
    const key = (label: string, action: () => void): Softkey => ({ label, action });
    switch (this.view()) {
      case 'Dialer':
        return [
          key('Dial', () => this.dialBuffered()),
          key('Cancel', () => this.endDialtone()),
          key('Delete', () => {
            this.dialBuffer = this.dialBuffer.slice(0, -1);
          }),
        ];
      case 'IncomingCall':
        return [key('Answer', () => calls.answer()), key('Ignore', () => calls.ignore()), key('Reject', () => calls.reject())];
      case 'HeldCall':
        return [
          key('Resume', () => calls.resume()),
          key('End Call', () => active && calls.end(active.handle)),
          key('New Call', () => this.startDialtone(this.selectedLine)),
          ...this.joinKey(),
        ];
      case 'ActiveCall':
        if (active && (active.state === 'Setup' || active.state === 'RingBack')) {
          return [
            key('End Call', () => calls.end(active.handle)),
            ...(this.transfer?.consult === active ? [key('Transfer', () => this.completeTransfer())] : []),
          ];
        }
        return [
          key('Hold', () => calls.hold()),
          key('End Call', () => active && calls.end(active.handle)),
          key('Transfer', () => this.transferKey()),
          ...this.joinKey(),
          key('New Call', () => this.startDialtone(this.selectedLine)),
        ];
      case 'Browser':
        // The Back softkey the microbrowser places (mb.main.autoBackKey, on as shipped); the Home key closes it too.
        return this.phone.config.bool('mb.main.autoBackKey') ? [key('Back', () => this.push.dismiss())] : [];
      case 'Menu':
      case 'Applications':
        return [
          key('Select', () => undefined),
          key('Back', () => {
            this.overlay = undefined;
          }),
        ];
      case 'Idle':
        return [
          key('New Call', () => this.startDialtone(this.selectedLine)),
          key('Redial', () => this.redial()),
          key('Forward', () => undefined),
          key('DND', () => undefined),
          key('Call Lists', () => undefined),
          key('Directories', () => undefined),
        ];
    }
  }

  private joinKey(): Softkey[] {
    const held = this.calls.some((c) => c.state === 'Hold');
    const connected = this.calls.some((c) => c.state === 'Connected');
    return held && connected ? [{ label: 'Join', action: () => this.phone.calls.join() }] : [];
  }

  /** Softkeys shown per page: all when five or fewer fit, else three and More. */
  pages(): Softkey[][] {
    const keys = this.softkeys();
    if (keys.length <= 5) return [keys];
    const pages: Softkey[][] = [];
    for (let i = 0; i < keys.length; i += 3) pages.push(keys.slice(i, i + 3));
    return pages.map((p) => [
      ...p,
      {
        label: 'More',
        action: () => {
          this.softkeyPage = (this.softkeyPage + 1) % pages.length;
        },
      },
    ]);
  }

  visibleSoftkeys(): Softkey[] {
    const pages = this.pages();
    if (this.softkeyPage >= pages.length) this.softkeyPage = 0;
    return pages[this.softkeyPage] ?? [];
  }

  private onCallsChanged(): void {
    this.softkeyPage = 0;
    this.push.phoneChanged();
    if (this.transfer && !this.transfer.from.live) this.transfer = undefined;
    const t = this.transfer;
    if (t?.consult && !t.consult.live && t.from.live && t.from.state === 'Hold') {
      const safe = this.phone.config.value('call.transfer.type') === 'Safe';
      this.transfer = undefined;
      if (safe) this.phone.calls.resume(t.from.handle);
    }
  }

  startDialtone(line: number): void {
    this.overlay = undefined;
    if (this.dialtoneCall()) return;
    this.dialBuffer = '';
    const call = this.phone.calls.offHook(line);
    // Nothing dialled within call.dialtoneTimeOut seconds: back to idle, as a phone does (0: never).
    const seconds = this.phone.config.int('call.dialtoneTimeOut');
    if (seconds > 0) {
      this.phone.clock.schedule(seconds * 1000, () => {
        if (call.live && call.state === 'Dialtone' && this.dialBuffer === '') this.endDialtone();
      });
    }
  }

  private endDialtone(): void {
    const d = this.dialtoneCall();
    if (d) this.phone.calls.end(d.handle);
    this.dialBuffer = '';
  }

  private dialBuffered(): void {
    const d = this.dialtoneCall();
    if (!d || this.dialBuffer === '') return;
    const dest = this.dialBuffer;
    this.dialBuffer = '';
    const t = this.transfer;
    if (t && !t.consult && this.phone.config.value('call.transfer.type') === 'Blind') {
      this.phone.calls.end(d.handle);
      this.transfer = undefined;
      this.phone.calls.transfer(t.from.handle, dest);
      return;
    }
    this.phone.calls.dialFrom(d, dest);
    if (t && !t.consult) t.consult = d;
  }

  private redial(): void {
    const last = this.phone
      .callLog()
      .filter((r) => r.kind === 'placed')
      .pop();
    if (last?.remoteNumber) this.phone.calls.dial(last.line, last.remoteNumber);
  }

  private transferKey(): void {
    const active = this.phone.calls.active();
    if (this.transfer?.consult) {
      this.completeTransfer();
      return;
    }
    if (!active || active.state !== 'Connected') return;
    this.transfer = { from: active };
    this.phone.calls.hold(active.handle);
    this.startDialtone(active.line);
  }

  /**
   * Consultative or safe: once the target answered, the held party and the target are joined (an attended
   * transfer: REFER with Replaces on SIP) and both of this phone's calls end; while the target still rings, the
   * consultation ends and the held party is referred to the target (a blind transfer).
   */
  private completeTransfer(): void {
    const t = this.transfer;
    if (!t?.consult?.live) return;
    const target = t.consult.remote.number;
    this.transfer = undefined;
    if (t.consult.state === 'Connected' && t.from.live) {
      this.phone.calls.warmTransfer(t.from.handle, t.consult.handle);
      return;
    }
    this.phone.calls.end(t.consult.handle);
    this.phone.calls.transfer(t.from.handle, target);
  }

  /** The hook: up answers a ringing call or gives dial tone; down ends the call in focus. */
  hook(up: boolean): void {
    this.phone.noteActivity();
    this.offHook = up;
    if (up) {
      this.phone.audioPath = 'handset';
      if (this.calls.some((c) => c.state === 'Offering')) this.phone.calls.answer();
      else if (!this.phone.calls.active()) this.startDialtone(this.selectedLine);
      return;
    }
    this.phone.audioPath = 'speaker';
    const active = this.phone.calls.active();
    if (active && active.state !== 'Offering' && active.state !== 'Hold') this.phone.calls.end(active.handle);
  }

  /** A key tap; the key must be one of the model's keys. */
  key(name: string): void {
    if (!this.phone.profile.keys.includes(name))
      throw new PhoneError(Status.INVALID_INPUT, `${this.phone.profile.model.name} has no key ${name}`);
    this.phone.noteActivity();
    const calls = this.phone.calls;
    const active = calls.active();
    const dial = /^Dialpad(\d|Star|Pound)$/.exec(name);
    if (dial) {
      const ch = dial[1] === 'Star' ? '*' : dial[1] === 'Pound' ? '#' : (dial[1] as string);
      if (this.view() === 'Idle') this.startDialtone(this.selectedLine);
      if (this.dialtoneCall()) {
        if (ch === '#' && this.dialBuffer !== '') this.dialBuffered();
        else this.dialBuffer += ch;
      } else if (active?.state === 'Connected') {
        calls.sendDtmf(ch);
      }
      return;
    }
    const soft = /^SoftKey(\d)$/.exec(name);
    if (soft) {
      this.visibleSoftkeys()[Number(soft[1]) - 1]?.action();
      return;
    }
    const line = /^Line(\d+)$/.exec(name);
    if (line) {
      this.lineKey(Number(line[1]));
      return;
    }
    this.otherKey(name);
  }

  /** A line key (or a line touched on screen): answers a call ringing there, or goes off hook on it. */
  lineKey(n: number): void {
    const blf = blfLineKeys(this.phone.lines, this.phone.blf).find((k) => k.key === n);
    if (blf) return this.blfKey(blf.blf);
    const calls = this.phone.calls;
    const active = calls.active();
    {
      this.selectedLine = n;
      const offering = calls.all().find((c) => c.line === n && c.state === 'Offering');
      if (offering) calls.answer(offering.handle);
      else if (!active && this.phone.lines.get(n).registered) this.startDialtone(n);
    }
  }

  /**
   * A busy lamp field key: calls the watched user (a call in focus is held first), or, while the watched line rings
   * and directed pickup is on (feature.directedCallPickup.enabled), picks the call up: natively (an INVITE that
   * replaces the ringing call, as the watch told) with call.directedCallPickupMethod=native, else by dialling
   * call.directedCallPickupString and the user, as Poly's legacy method does. On the line attendant.reg names.
   */
  private blfKey(key: BlfKey): void {
    const line = this.phone.blf.line;
    if (!this.phone.lines.exists(line) || !this.phone.lines.get(line).registered) return;
    const c = this.phone.config;
    let dest = key.address;
    if (key.state === 'ringing' && key.type === 'normal' && c.bool('feature.directedCallPickup.enabled')) {
      const native = c.value('call.directedCallPickupMethod') === 'native';
      dest = native ? (key.pickup ?? dest) : `${c.value('call.directedCallPickupString')}${userOf(key.address)}`;
    }
    this.selectedLine = line;
    this.phone.calls.dial(line, dest);
  }

  private otherKey(name: string): void {
    const calls = this.phone.calls;
    const active = calls.active();
    switch (name) {
      case 'Handsfree':
        this.phone.audioPath = 'speaker';
        if (calls.all().some((c) => c.state === 'Offering')) calls.answer();
        else if (!active) this.startDialtone(this.selectedLine);
        else if (this.offHook === false && active.state !== 'Hold') calls.end(active.handle);
        return;
      case 'Headset':
        this.phone.audioPath = this.phone.audioPath === 'headset' ? 'speaker' : 'headset';
        if (this.phone.audioPath === 'headset' && calls.all().some((c) => c.state === 'Offering')) calls.answer();
        return;
      case 'MicMute':
        if (active?.state === 'Connected') calls.setMute(!calls.muted);
        return;
      case 'VolUp':
        this.volume = Math.min(15, this.volume + 1);
        return;
      case 'VolDown':
        this.volume = Math.max(0, this.volume - 1);
        return;
      case 'Transfer':
        this.transferKey();
        return;
      case 'Redial':
        if (!active) this.redial();
        return;
      case 'Home':
        if (this.push.shown) this.push.dismiss();
        else this.overlay = undefined;
        return;
      case 'Menu':
        this.overlay = this.overlay === 'Menu' ? undefined : 'Menu';
        this.menuIndex = 0;
        return;
      case 'Applications':
        this.overlay = this.overlay === 'Applications' ? undefined : 'Applications';
        return;
      case 'ArrowUp':
        this.menuIndex = Math.max(0, this.menuIndex - 1);
        return;
      case 'ArrowDown':
        this.menuIndex += 1;
        return;
      case 'ArrowLeft':
      case 'ArrowRight':
        return;
      case 'Select':
        if (this.dialtoneCall()) this.dialBuffered();
        return;
      case 'Delete':
        if (this.dialtoneCall()) this.dialBuffer = this.dialBuffer.slice(0, -1);
        else this.text = this.text.slice(0, -1);
        return;
    }
  }

  /** Text into the field in focus: the dialer's number (opening the dialer when idle), or a text field. */
  textInput(value: string, replace: boolean): void {
    this.phone.noteActivity();
    if (this.view() === 'Idle') this.startDialtone(this.selectedLine);
    if (this.dialtoneCall()) this.dialBuffer = replace ? value : this.dialBuffer + value;
    else this.text = replace ? value : this.text + value;
  }
}
