/** One critical section as the test process saw it; times are its `Date.now()` on receipt. */
export interface Section {
  who: string;
  fence: number;
  enteredAt: number;
  /** When it ended: receipt of `exit` / `lost`, or when the test saw the process die. */
  endedAt: number | null;
  end: 'exit' | 'lost' | 'killed' | null;
}

/**
 * The shared log of the critical sections of several processes, kept by the test process,
 * which is single-threaded: every `enter`, `exit` and death is recorded, and checked, one at
 * a time in the order it happens here. That order is the one clock of the log.
 *
 * Why no overlap can be missed. A process sends `enter` after it acquired, then waits for the
 * test to acknowledge it before it works; after its work it sends `exit` and waits for the
 * acknowledgement before it releases; a killed process stops working when it dies, before the
 * test sees it die. So each process's protected work lies, in real time, inside its section
 * here: from the moment `enter` was logged to the moment `exit` (or the death) was. If two
 * processes ever worked at the same time, their sections intersect, and at the later `enter`
 * the earlier section is still open: `enter` finds it and records the overlap. Conversely a
 * lock that works never trips it: the next holder can only acquire after the previous one's
 * `exit` was logged (it released after the acknowledgement) or after its lock expired, a
 * whole ttl after it died. Fences are checked in the same order: each `enter` must carry a
 * fence above every earlier one.
 *
 * @example
 * ```ts
 * const log = new SectionLog();
 * log.enter('p1', 7); log.exit('p1', 'exit');
 * log.enter('p2', 8); log.died('p2');
 * expect(log.overlaps).to.deep.equal([]);
 * ```
 */
export class SectionLog {
  readonly sections: Section[] = [];
  readonly overlaps: Array<{ open: Section; entering: Section }> = [];
  readonly fenceRegressions: Array<{ before: Section; after: Section }> = [];
  private readonly open = new Map<string, Section>();
  private readonly dead = new Set<string>();

  /** `who` reports it entered with `fence`. Ignored from a process already seen dead: it got no ack, so it did no work. */
  enter(who: string, fence: number): void {
    if (this.dead.has(who)) return;
    const section: Section = { who, fence, enteredAt: Date.now(), endedAt: null, end: null };
    for (const other of this.open.values()) this.overlaps.push({ open: other, entering: section });
    const before = this.sections.at(-1);
    if (before && fence <= before.fence) this.fenceRegressions.push({ before, after: section });
    this.sections.push(section);
    this.open.set(who, section);
  }

  /** `who` reports it left its section, normally or because its lease was lost. */
  exit(who: string, end: 'exit' | 'lost'): void {
    this.close(who, end);
  }

  /** The test saw `who` die: its open section, if any, ends now. */
  died(who: string): void {
    this.close(who, 'killed');
    this.dead.add(who);
  }

  /** The process whose section is open now, if exactly one is. */
  get holder(): string | null {
    return this.open.size === 1 ? [...this.open.keys()][0]! : null;
  }

  /** Sections that ended. */
  get closed(): Section[] {
    return this.sections.filter((section) => section.endedAt !== null);
  }

  /** For consecutive sections: ms from the end of one to the start of the next. */
  gaps(): Array<{ after: Section; ms: number }> {
    const gaps: Array<{ after: Section; ms: number }> = [];
    for (let i = 1; i < this.sections.length; i += 1) {
      const after = this.sections[i - 1]!;
      if (after.endedAt !== null) gaps.push({ after, ms: this.sections[i]!.enteredAt - after.endedAt });
    }
    return gaps;
  }

  private close(who: string, end: Section['end']): void {
    const section = this.open.get(who);
    if (!section) return;
    section.endedAt = Date.now();
    section.end = end;
    this.open.delete(who);
  }
}

/**
 * A `FaultPool` message handler that logs `enter`, `exit` and `lost` in `log`, then
 * acknowledges each, so that the fixture goes on only once its message is in the log.
 *
 * @example
 * ```ts
 * const pool = new FaultPool(script, env, logSections(log), (who) => log.died(who));
 * ```
 */
export function logSections(log: SectionLog) {
  return (who: string, message: { type: string; id?: unknown; fence?: unknown }, child: { sendIfAlive(m: unknown): void }) => {
    if (message.type === 'enter') log.enter(who, Number(message.fence));
    else if (message.type === 'exit' || message.type === 'lost') log.exit(who, message.type);
    else return;
    child.sendIfAlive({ type: 'ack', id: message.id });
  };
}
