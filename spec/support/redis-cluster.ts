import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { infoFields, tryAskNode } from './ask-node.js';
import { freeClusterPort, spawnRedis, type RedisProcess } from './redis-process.js';
import { waitFor } from './wait-for.js';

/** A Redis Cluster that a test started on loopback ports, one master per node, no replicas. */
export interface RedisClusterNodes {
  /** Every master, for `createCluster({ rootNodes })` of node-redis. */
  readonly rootNodes: Array<{ url: string }>;
  readonly ports: number[];
  /** Stops every node by pid (SIGTERM, then SIGKILL) and removes their directory. */
  stop(): Promise<void>;
}

/** Attempts per node when the port picked is taken between the check and the start. */
const START_ATTEMPTS = 3;

/**
 * Starts `masters` redis-server processes with `--cluster-enabled yes`, on free loopback
 * ports whose bus ports (port + 10000) are free too, joins them with `redis-cli --cluster
 * create … --cluster-replicas 0`, and resolves once every node reports `cluster_state:ok`
 * with all 16384 slots assigned and every node known.
 *
 * @example
 * ```ts
 * const nodes = await startRedisCluster();
 * const redis = await createCluster({ rootNodes: nodes.rootNodes }).connect(); // node-redis
 * try { await useIt(redis); } finally { await redis.close(); await nodes.stop(); }
 * ```
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterNodes> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-cluster-cluster-'));
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    for (let i = 0; i < masters; i += 1) {
      const node = await startNode(dir, taken);
      taken.add(node.port);
      nodes.push(node);
    }
    const ports = nodes.map((node) => node.port);
    await createClusterWithCli(ports);
    await waitFor(
      `a healthy ${masters}-master cluster on ports ${ports.join(', ')}`,
      async () => (await Promise.all(ports.map((port) => nodeIsHealthy(port, masters)))).every(Boolean),
      30_000,
      50,
    );
    return { rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startNode(dir: string, taken: ReadonlySet<number>): Promise<RedisProcess> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt += 1) {
    const port = await freeClusterPort(taken);
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes',
      '--cluster-config-file', join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout', '5000',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
    ];
    try {
      return await spawnRedis(args, port);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function createClusterWithCli(ports: number[]): Promise<void> {
  const args = ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'];
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`redis-cli --cluster create failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(),
    );
  });
}

async function nodeIsHealthy(port: number, masters: number): Promise<boolean> {
  const info = infoFields(await tryAskNode(port, ['CLUSTER', 'INFO']));
  return (
    info.get('cluster_state') === 'ok' &&
    info.get('cluster_slots_assigned') === '16384' &&
    info.get('cluster_known_nodes') === String(masters)
  );
}
