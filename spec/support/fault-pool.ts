import { startChild, type Child } from './child.js';
import { waitFor } from './wait-for.js';

/** What a fixture of the pool sends over IPC: a `type`, and fields that depend on it. */
export type PoolMessage = { type: string; [field: string]: unknown };

/**
 * A fixed number of child processes running one fixture, for fault scenarios: each has a
 * name (`p1`, `p2`, … — a restarted process gets a new one), `kill(name)` SIGKILLs one by pid
 * and starts a replacement, and every process that exits without being killed is counted as
 * a crash (an unhandled rejection ends a Node.js process, so none may happen).
 *
 * @example
 * ```ts
 * const pool = new FaultPool('spec/fixtures/fault-mutex.ts', env, (who, message, child) => …);
 * await pool.start(5);
 * await pool.kill('p3');
 * await pool.stop();
 * ```
 */
export class FaultPool {
  /** Processes that exited although the test did not kill them: name and exit code. */
  readonly crashes: Array<{ who: string; code: number | null; error?: unknown }> = [];
  /** Every kill: who, and when the test saw the process gone (Date.now()). */
  readonly kills: Array<{ who: string; at: number }> = [];
  /** Log lines the fixtures reported, by level. */
  readonly logged = { error: 0, warn: 0 };
  private readonly children = new Map<string, Child>();
  /** Replacements started by `kill()` that are not ready yet. */
  private readonly starting = new Set<Promise<void>>();
  private started = 0;
  private stopping = false;

  constructor(
    private readonly script: string,
    private readonly env: Record<string, string>,
    private readonly onMessage: (who: string, message: PoolMessage, child: Child) => void,
    private readonly onDeath: (who: string) => void = () => undefined,
  ) {}

  /** Starts `count` processes and waits until each said `ready` (or rejects after 60 s). */
  async start(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.spawn()));
  }

  /** The names of the processes alive now. */
  get alive(): string[] {
    return [...this.children.keys()];
  }

  /**
   * SIGKILLs `who` by pid, waits until it is gone and tells `onDeath`; a replacement starts in
   * the background (booting a fixture takes seconds on a busy machine).
   */
  async kill(who: string): Promise<void> {
    const child = this.children.get(who);
    if (!child) return;
    this.children.delete(who);
    await child.kill('SIGKILL');
    this.kills.push({ who, at: Date.now() });
    this.onDeath(who);
    const replacement = this.spawn().catch((error: unknown) => {
      this.crashes.push({ who: `replacement of ${who}`, code: null, error });
    });
    this.starting.add(replacement);
    void replacement.finally(() => this.starting.delete(replacement));
  }

  /** Waits for replacements still starting, then SIGKILLs every process; nothing is restarted. */
  async stop(): Promise<void> {
    await Promise.all([...this.starting]);
    this.stopping = true;
    const children = [...this.children.entries()];
    this.children.clear();
    await Promise.all(children.map(([, child]) => child.kill('SIGKILL')));
    children.forEach(([who]) => this.onDeath(who));
  }

  private async spawn(): Promise<void> {
    const who = `p${(this.started += 1)}`;
    const child = startChild(this.script, this.env);
    this.children.set(who, child);
    child.onMessage((message) => {
      const received = message as PoolMessage;
      if (received.type === 'log') this.logged[received.level === 'warn' ? 'warn' : 'error'] += 1;
      else this.onMessage(who, received, child);
    });
    void child.exited.then((code) => {
      if (this.children.get(who) !== child) return; // killed by the test
      this.children.delete(who);
      if (!this.stopping) this.crashes.push({ who, code });
      this.onDeath(who);
    });
    // a process killed (or crashed: counted above) while it boots is no longer waited for
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${who} was not ready within 60 s`)), 60_000);
      const settle = () => {
        clearTimeout(timer);
        resolve();
      };
      child.onMessage((message) => (message as PoolMessage).type === 'ready' && settle());
      void child.exited.then(settle);
    });
  }
}

/**
 * Waits up to `ms` for `pick()` to name a process, and returns it (or null).
 *
 * @example
 * ```ts
 * const holder = await pickWithin(1_000, () => log.holder);
 * if (holder) await pool.kill(holder);
 * ```
 */
export async function pickWithin(ms: number, pick: () => string | null): Promise<string | null> {
  let picked: string | null = null;
  await waitFor('a process to pick', () => (picked = pick()) !== null, ms, 2).catch(() => undefined);
  return picked;
}
