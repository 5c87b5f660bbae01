/**
 * What the SIP state machines (dialog-state.ts, registration-state.ts) share: a transition table of state -> event ->
 * target, where a target may depend on named facts (guards, tried in order, the last one usually unguarded), and a
 * machine that moves only along the table and tells its observers of every move.
 *
 * A refused move is a fault of this program, not of a client: SIP messages and timers drive these machines, so a
 * move the table does not allow means the code asked for something the protocol does not have. It is not thrown
 * (a throw from a socket handler or a timer would take the whole phone down, and no REST client asked for it); it
 * is reported to the machine's sink (a Node process warning with code POLYSIM_SIP_STATE unless another is given),
 * and the state stays as it was. Messages that may legitimately arrive in any state (a late answer, a
 * retransmission) are asked about with can() first and are then no fault.
 */

/** A move's target: a state, or guarded choices tried in order (a choice without `if` always applies). */
export type Rule<S extends string, G extends string> = S | readonly { readonly if?: G; readonly to: S }[];

export type Table<S extends string, E extends string, G extends string> = Readonly<Record<S, Partial<Record<E, Rule<S, G>>>>>;

/** The facts a guarded move is decided on; a fact not given is false. */
export type Facts<G extends string> = Partial<Record<G, boolean>>;

export interface Refusal {
  readonly machine: string;
  readonly state: string;
  readonly event: string;
}

export type RefusalSink = (refusal: Refusal) => void;

/** The default sink: a process warning, which Node writes to stderr and a host may route to its log. */
export const warnRefusal: RefusalSink = (r) => {
  process.emitWarning(`${r.machine}: ${r.event} is not allowed in ${r.state}`, { code: 'POLYSIM_SIP_STATE' });
};

/** The state `event` leads to from `state` given `facts`, or undefined when the table has no such move. */
export function targetOf<S extends string, E extends string, G extends string>(
  table: Table<S, E, G>,
  state: S,
  event: E,
  facts: Facts<G> = {},
): S | undefined {
  const rule = table[state][event] as Rule<S, G> | undefined;
  if (rule === undefined || typeof rule === 'string') return rule;
  return rule.find((choice) => choice.if === undefined || facts[choice.if] === true)?.to;
}

export type MoveListener<S extends string, E extends string> = (from: S, event: E, to: S) => void;

export class StateMachine<S extends string, E extends string, G extends string> {
  private current: S;
  private readonly listeners: MoveListener<S, E>[] = [];

  constructor(
    private readonly name: string,
    private readonly table: Table<S, E, G>,
    initial: S,
    private readonly refused: RefusalSink = warnRefusal,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  /** Whether the table allows `event` now (given `facts`). */
  can(event: E, facts?: Facts<G>): boolean {
    return targetOf(this.table, this.current, event, facts) !== undefined;
  }

  /** Moves along the table and tells the observers; a move the table refuses is reported and changes nothing. */
  move(event: E, facts?: Facts<G>): boolean {
    const from = this.current;
    const to = targetOf(this.table, from, event, facts);
    if (to === undefined) {
      this.refused({ machine: this.name, state: from, event });
      return false;
    }
    this.current = to;
    for (const l of this.listeners) l(from, event, to);
    return true;
  }

  /** Calls listener after every move (self-moves included). */
  onMove(listener: MoveListener<S, E>): void {
    this.listeners.push(listener);
  }
}
