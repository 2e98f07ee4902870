import { spawn, type ChildProcess } from 'node:child_process';
import { reapOnExit } from './reap.js';
import { createServer, Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server process that a test started on a free loopback port, and stops by pid. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops the process (SIGTERM, then SIGKILL), waits until it exited, and removes its directory. */
  stop(): Promise<void>;
  /** Starts it again on the same port, stopping it first if it runs (data is gone unless persisted). */
  restart(): Promise<void>;
  /** Stops the process like `stop()` but keeps its directory: a later `restart()` finds what it persisted. */
  halt(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`, ' +
  'macOS: `brew install redis`) or set REDIS_URL to a Redis 6.2+ server the tests may use.';

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once `PING` on 127.0.0.1:port answers `+PONG`, or rejects after `deadlineMs`. */
export async function waitForPong(port: number, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await pingOnce(port)) return;
    if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer PING within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * Starts a private redis-server on a free loopback port with nothing kept on disk (or the
 * persistence `extraArgs` ask for, in a temporary directory).
 *
 * @example
 * ```ts
 * const server = await startRedisServer();
 * try { await useIt(server.url); } finally { await server.stop(); }
 * ```
 */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rx-cluster-redis-'));
  let child: ChildProcess | null = null;

  const launch = async () => {
    mkdirSync(dir, { recursive: true });
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs];
    const started = reapOnExit(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000));
    started.stdout!.on('data', keep);
    started.stderr!.on('data', keep);
    const failure = new Promise<never>((_, reject) => {
      started.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new Error(INSTALL_HINT) : error),
      );
      started.once('exit', (code) =>
        reject(new Error(`redis-server on port ${port} exited early with code ${code}:\n${output}`)),
      );
    });
    failure.catch(() => undefined);
    child = started;
    await Promise.race([waitForPong(port), failure]);
  };

  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const killer = setTimeout(() => running.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(killer);
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await launch();
    },
    halt: stop,
  };
}
