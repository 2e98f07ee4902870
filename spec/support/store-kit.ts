import { randomUUID } from 'node:crypto';
import { createCluster, type Cluster, type ClusterOptions } from '../../lib/cluster.js';
import type { Logger } from '../../lib/logger.js';
import { memoryStore } from '../../lib/stores/memory-store.js';
import { redisStore, type RedisClientLike, type RedisStoreOptions } from '../../lib/stores/redis-store.js';
import type { ClusterStore } from '../../lib/stores/store.js';
import { connectRedis, redisUrl, type TestRedisClient } from './redis.js';

export type StoreKind = 'memory' | 'redis';

/** A connected client a redisStore can run on, that the kit closes when the test ends. */
export type StoreClient = RedisClientLike & { close(): Promise<unknown> };

/**
 * Opens the client of one instance's redisStore: a node-redis `createClient()`,
 * `createCluster()` or `createSentinel()` client, connected.
 *
 * @example
 * ```ts
 * const connect: ClientFactory = () => createCluster({ rootNodes }).on('error', () => undefined).connect();
 * ```
 */
export type ClientFactory = () => Promise<StoreClient>;

/** A logger that keeps what it is told, so tests can assert on it and the output stays clean. */
export class RecordingLogger implements Logger {
  readonly errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  readonly warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  error(message: string, fields?: Record<string, unknown>) {
    this.errors.push({ message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>) {
    this.warnings.push({ message, fields });
  }
}

/**
 * Per-test instances on one kind of store: every test gets a fresh namespace; `instance()`
 * gives another cluster member (memory: the test's one shared memoryStore; Redis: a client
 * and a redisStore of its own, as separate processes would have). `cleanup()` closes all.
 */
export class StoreKit {
  namespace = '';
  readonly logger = new RecordingLogger();
  private shared: ClusterStore | null = null;
  private clusters: Cluster[] = [];
  private stores: ClusterStore[] = [];
  private clients: Array<{ close(): Promise<unknown> }> = [];

  constructor(
    readonly kind: StoreKind,
    private readonly url: () => string = redisUrl,
    /** Options for each redisStore, besides the kit's logger. */
    private readonly storeOptions: Omit<RedisStoreOptions, 'logger'> = {},
    /** Opens each redisStore's client: a Redis Cluster or Sentinel client, say. `client()` still connects to `url`. */
    private readonly connect: ClientFactory = () => connectRedis(url()),
  ) {}

  /** Starts a test: new namespace, nothing open. */
  reset(): void {
    this.namespace = `spec-${randomUUID().slice(0, 8)}`;
    this.shared = null;
  }

  /** A store handle as one instance would hold it. */
  async store(): Promise<ClusterStore> {
    if (this.kind === 'memory') return (this.shared ??= memoryStore());
    const client = await this.connect();
    this.clients.push(client);
    const store = redisStore(client, { ...this.storeOptions, logger: this.logger });
    this.stores.push(store);
    return store;
  }

  /** A raw client on the suite's Redis, for tests that reach under the store. */
  async client(): Promise<TestRedisClient> {
    const client = await connectRedis(this.url());
    this.clients.push(client);
    return client;
  }

  /** A new cluster member in this test's namespace (on `store` if given, closed with the kit). */
  async instance(options: Omit<ClusterOptions, 'store'> = {}, store?: ClusterStore): Promise<Cluster> {
    const cluster = createCluster({ namespace: this.namespace, logger: this.logger, ...options, store: store ?? (await this.store()) });
    this.clusters.push(cluster);
    return cluster;
  }

  async cleanup(): Promise<void> {
    const clusters = this.clusters.splice(0);
    await Promise.all(clusters.map((cluster) => cluster.close()));
    await Promise.all(this.stores.splice(0).map((store) => store.close()));
    await Promise.all(this.clients.splice(0).map((client) => client.close().catch(() => undefined)));
  }
}

/**
 * Declares `body` once per store kind, each in its own `describe`, with a kit reset before
 * and cleaned after every test.
 *
 * @example
 * ```ts
 * forEachStore('Mutex', (kit) => { it('locks', async () => { const a = await kit.instance(); … }); });
 * ```
 */
export function forEachStore(title: string, body: (kit: StoreKit) => void, kinds: StoreKind[] = ['memory', 'redis']): void {
  for (const kind of kinds) {
    describe(`${title} (${kind}Store)`, () => {
      const kit = new StoreKit(kind);
      beforeEach(() => kit.reset());
      afterEach(() => kit.cleanup());
      body(kit);
    });
  }
}
