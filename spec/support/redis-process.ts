import { spawn } from 'node:child_process';
import { reapOnExit } from './reap.js';
import { createServer } from 'node:net';
import { waitForPong } from './redis-server.js';

/** A redis-server (or sentinel) process a harness started, stopped only by its pid. */
export interface RedisProcess {
  readonly port: number;
  readonly pid: number;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  /** Sends `signal` to the process (by pid) without waiting: SIGSTOP / SIGCONT freeze and thaw it. */
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` (default SIGKILL) and waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after 3 s; waits until the process has exited. Harmless when it has. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server args…` and resolves once it answers PING on 127.0.0.1:`port`; rejects
 * with the tail of its output if it exits first (a port taken meanwhile, a bad option).
 *
 * @example
 * ```ts
 * const node = await spawnRedis(['--port', String(port), '--bind', '127.0.0.1', '--save', ''], port);
 * await node.stop();
 * ```
 */
export async function spawnRedis(args: string[], port: number): Promise<RedisProcess> {
  const child = reapOnExit(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error('redis-server was not found on PATH') : error),
    );
    void exited.then(() => reject(new Error(`redis-server on port ${port} exited early:\n${output}`)));
  });
  failure.catch(() => undefined);
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const handle: RedisProcess = {
    port,
    pid: child.pid ?? -1,
    exited,
    signal: (signal) => {
      if (isRunning()) child.kill(signal);
    },
    kill: async (signal = 'SIGKILL') => {
      if (isRunning()) child.kill(signal);
      await exited;
    },
    stop: async () => {
      if (!isRunning()) return;
      child.kill('SIGCONT'); // a frozen process cannot act on SIGTERM
      child.kill('SIGTERM');
      const killer = setTimeout(() => isRunning() && child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killer);
    },
  };
  try {
    await Promise.race([waitForPong(port), failure]);
  } catch (error) {
    await handle.kill();
    throw error;
  }
  return handle;
}

/**
 * True if nothing listens on 127.0.0.1:`port` and this process may bind it.
 *
 * @example
 * ```ts
 * if (await portIsFree(port + 10_000)) useAsClusterNode(port);
 * ```
 */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port for a Redis Cluster node: it and its cluster bus port (port + 10000) are
 * both free. Picked at random below the kernel's ephemeral range, so that the bus port is
 * a valid port too; `avoid` lists ports already handed out.
 *
 * @example
 * ```ts
 * const port = await freeClusterPort(new Set());
 * ```
 */
export async function freeClusterPort(avoid: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 12_000 + Math.floor(Math.random() * 18_000);
    if (avoid.has(port) || avoid.has(port + 10_000)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) return port;
  }
  throw new Error('found no free pair of loopback ports (port, port + 10000) in 200 attempts');
}
