import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/**
 * Makes sure a server process the tests started dies with the test process, even when mocha
 * is interrupted (Ctrl-C, a CI time limit) before its teardown runs: no orphaned redis-server
 * keeps a port and memory after the run.
 *
 * @example
 * ```ts
 * const child = reapOnExit(spawn('redis-server', args));
 * ```
 */
export function reapOnExit<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!installed) {
    installed = true;
    process.once('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        killAll();
        process.kill(process.pid, signal);
      });
    }
  }
  return child;
}
