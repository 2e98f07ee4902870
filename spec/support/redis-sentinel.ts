import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askNode, infoFields, pairs, tryAskNode } from './ask-node.js';
import { spawnRedis, type RedisProcess } from './redis-process.js';
import { freePort } from './redis-server.js';
import { waitFor } from './wait-for.js';

/** A Sentinel group a test started on loopback ports: 1 master, 1 replica, 3 sentinels. */
export interface SentinelGroup {
  /** The monitored master's name, for `createSentinel({ name })`. */
  readonly name: string;
  /** For `createSentinel({ sentinelRootNodes })` of node-redis. */
  readonly sentinelRootNodes: Array<{ host: string; port: number }>;
  /** The port of the node that is master now (the replica's, after `failover()`). */
  readonly masterPort: number;
  /** The port of the node that is replica now (none after `failover()`: the old master is dead). */
  readonly replicaPort: number | null;
  /** The data nodes by role as started: `master` is the one `killMaster()` SIGKILLs. */
  readonly nodes: { readonly master: RedisProcess; readonly replica: RedisProcess };
  /**
   * Holds replication back: freezes the replica (SIGSTOP by pid) and makes the master drop
   * its link (`CLIENT KILL TYPE replica`), so that nothing written from now on reaches it,
   * not even from a socket buffer. `thawReplica()` lets it run again (it reconnects within
   * about a second if the master is still there).
   */
  cutReplica(): Promise<void>;
  /**
   * Freezes the replica (SIGSTOP by pid) but leaves its link up: the master still counts it
   * as a connected replica, one that acknowledges nothing new. `thawReplica()` undoes it.
   */
  freezeReplica(): void;
  thawReplica(): void;
  /** SIGKILLs the master by pid and waits until it is gone. */
  killMaster(): Promise<void>;
  /** Waits until every sentinel names the replica as master and the replica runs as one. */
  awaitPromotion(): Promise<void>;
  /** `killMaster()`, then `awaitPromotion()`; resolves with the ms from the kill to the promotion. */
  failover(): Promise<number>;
  /** Waits until the replica has processed everything the master wrote so far. */
  replicaCaughtUp(): Promise<void>;
  /** Stops every process by pid (SIGTERM, then SIGKILL) and removes their directory. */
  stop(): Promise<void>;
}

/** Sentinel timings: a master is down after 1 s without answers; a failover is retried after 2 × 2 s. */
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 2_000;

/**
 * Starts a master, a replica of it (`--replicaof`), and three sentinels (`redis-server <conf>
 * --sentinel`, quorum 2, `down-after-milliseconds` 1000) on free loopback ports, and resolves
 * once the replica is in sync and every sentinel sees the master, the replica and the two
 * other sentinels, so that a failover can happen.
 *
 * @example
 * ```ts
 * const group = await startSentinelGroup();
 * const redis = await createSentinel({ name: group.name, sentinelRootNodes: group.sentinelRootNodes }).connect();
 * const promotedInMs = await group.failover();
 * await group.stop();
 * ```
 */
export async function startSentinelGroup(name = 'rx-cluster-spec'): Promise<SentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-cluster-sentinel-'));
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // no diskless-sync delay: the replica syncs at once instead of after 5 s
    const master = await startDataNode(dir, 'master', ['--repl-diskless-sync-delay', '0']);
    started.push(master);
    const replica = await startDataNode(dir, 'replica', ['--replicaof', '127.0.0.1', String(master.port)]);
    started.push(replica);
    await waitFor('the replica to sync with the master', async () => {
      return infoFields(await tryAskNode(replica.port, ['INFO', 'replication'])).get('master_link_status') === 'up';
    }, 15_000, 50);
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i += 1) {
      const sentinel = await startSentinel(dir, i, name, master.port);
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    const ports = sentinels.map((sentinel) => sentinel.port);
    await waitFor('every sentinel to see the master, the replica and the other sentinels', async () => {
      const views = await Promise.all(ports.map((port) => tryAskNode(port, ['SENTINEL', 'MASTER', name])));
      return views.every((view) => {
        const fields = pairs(view);
        return fields.get('num-slaves') === '1' && fields.get('num-other-sentinels') === '2' && fields.get('flags') === 'master';
      });
    }, 20_000, 100);

    let masterPort = master.port;
    let replicaPort: number | null = replica.port;
    const group: SentinelGroup = {
      name,
      sentinelRootNodes: ports.map((port) => ({ host: '127.0.0.1', port })),
      get masterPort() {
        return masterPort;
      },
      get replicaPort() {
        return replicaPort;
      },
      nodes: { master, replica },
      async cutReplica() {
        replica.signal('SIGSTOP');
        await askNode(master.port, ['CLIENT', 'KILL', 'TYPE', 'replica']);
      },
      freezeReplica() {
        replica.signal('SIGSTOP');
      },
      thawReplica() {
        replica.signal('SIGCONT');
      },
      async killMaster() {
        await master.kill('SIGKILL');
      },
      async awaitPromotion() {
        await waitFor('the sentinels to promote the replica', async () => {
          const named = await Promise.all(ports.map((port) => tryAskNode(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name])));
          if (!named.every((address) => Array.isArray(address) && String(address[1]) === String(replica.port))) return false;
          return infoFields(await tryAskNode(replica.port, ['INFO', 'replication'])).get('role') === 'master';
        }, 30_000, 50);
        masterPort = replica.port;
        replicaPort = null;
      },
      async failover() {
        const killedAt = Date.now();
        await group.killMaster();
        await group.awaitPromotion();
        return Date.now() - killedAt;
      },
      async replicaCaughtUp() {
        if (replicaPort === null) return;
        const target = Number(infoFields(await askNode(masterPort, ['INFO', 'replication'])).get('master_repl_offset'));
        const port = replicaPort;
        await waitFor('the replica to catch up', async () => {
          const offset = Number(infoFields(await tryAskNode(port, ['INFO', 'replication'])).get('slave_repl_offset'));
          return offset >= target;
        }, 10_000, 10);
      },
      stop,
    };
    return group;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startDataNode(dir: string, role: string, extraArgs: string[]): Promise<RedisProcess> {
  const port = await freePort();
  const nodeDir = join(dir, `${role}-${port}`);
  mkdirSync(nodeDir, { recursive: true });
  return spawnRedis(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', nodeDir, ...extraArgs], port);
}

async function startSentinel(dir: string, index: number, name: string, masterPort: number): Promise<RedisProcess> {
  const port = await freePort();
  const conf = join(dir, `sentinel-${index}-${port}.conf`);
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${name} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${name} ${FAILOVER_TIMEOUT_MS}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  return spawnRedis([conf, '--sentinel'], port);
}
