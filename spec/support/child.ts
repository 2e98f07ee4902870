import { fork, type ChildProcess } from 'node:child_process';
import { reapOnExit } from './reap.js';
import { waitFor } from './wait-for.js';

/** A Node.js child process running a TypeScript fixture, talking to the test over IPC. */
export class Child {
  readonly messages: unknown[] = [];
  readonly exited: Promise<number | null>;
  private readonly process: ChildProcess;

  constructor(script: string, env: Record<string, string> = {}) {
    this.process = reapOnExit(fork(script, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }));
    this.process.on('message', (message) => this.messages.push(message));
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** Resolves with the first message (received so far or later) that `match` accepts. */
  async message<T>(what: string, match: (message: T) => boolean, timeout = 15_000): Promise<T> {
    let found: T | undefined;
    await waitFor(what, () => (found = (this.messages as T[]).find(match)) !== undefined, timeout);
    return found!;
  }

  /** Calls `listener` with every message received from now on, in the order of receipt. */
  onMessage(listener: (message: unknown) => void): void {
    this.process.on('message', listener);
  }

  send(message: unknown): void {
    this.process.send(message as never);
  }

  /** Like `send`, for a child that may die meanwhile: a closed channel drops the message. */
  sendIfAlive(message: unknown): void {
    if (this.process.connected) this.process.send(message as never, () => undefined);
  }

  /** Kills the child by pid (default SIGKILL) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    await this.exited;
  }
}

/** Starts `script` (a path relative to the project root) as a child process. */
export function startChild(script: string, env: Record<string, string> = {}): Child {
  return new Child(new URL(`../../${script}`, import.meta.url).pathname, env);
}
