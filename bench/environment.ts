import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem, arch } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder holding package.json). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The installed version of a package, from its package.json under node_modules ('missing' if absent). */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

/** The commit the benchmarked code is at, marked `+changes` when the work tree differs from it. */
export function sourceRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return changed ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

/** What the figures depend on: CPU, memory, OS, Node, and how busy the machine was. */
export function machine(): Record<string, unknown> {
  const cores = cpus();
  return {
    cpu: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    loadAverageStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** Versions of everything measured. */
export function versions(): Record<string, string> {
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    'rx-cluster': `${own.version} (${sourceRevision()})`,
    redis: packageVersion('redis'),
    '@redis/client': packageVersion('@redis/client'),
    ioredis: packageVersion('ioredis'),
    redlock: packageVersion('redlock'),
    'redis-semaphore': packageVersion('redis-semaphore'),
    bullmq: packageVersion('bullmq'),
    rxjs: packageVersion('rxjs'),
    vega: packageVersion('vega'),
    'vega-lite': packageVersion('vega-lite'),
  };
}
