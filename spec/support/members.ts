import { createCluster, type Cluster, type ClusterOptions } from '../../lib/cluster.js';
import { memoryStore } from '../../lib/stores/memory-store.js';
import { lockKeys } from '../../lib/stores/redis-keys.js';
import type { ClusterStore } from '../../lib/stores/store.js';
import type { StoreKit } from './store-kit.js';

/**
 * Cluster members of one test; on memory they share a store whose clock the test can move,
 * so that a lock can be made to vanish under its holder on either store.
 *
 * @example
 * ```ts
 * const members = new Members(kit);
 * const a = await members.join();
 * await members.deleteLock(kit.namespace, 'leader');
 * ```
 */
export class Members {
  private opened: Cluster[] = [];
  private skew = 0;
  private memory: ClusterStore | null = null;
  constructor(private readonly kit: StoreKit) {}

  async join(options: Omit<ClusterOptions, 'store'> = {}, wrap = (store: ClusterStore) => store): Promise<Cluster> {
    const store =
      this.kit.kind === 'memory' ? (this.memory ??= memoryStore({ now: () => Date.now() + this.skew })) : await this.kit.store();
    const cluster = createCluster({ namespace: this.kit.namespace, logger: this.kit.logger, ...options, store: wrap(store) });
    this.opened.push(cluster);
    return cluster;
  }

  /** Makes a lock vanish under its holder: DEL on Redis; on memory, every lock expires. */
  async deleteLock(storeNamespace: string, key: string): Promise<void> {
    if (this.kit.kind === 'memory') this.skew += 3_600_000;
    else await (await this.kit.client()).del(lockKeys(storeNamespace, key).lock);
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((cluster) => cluster.close()));
    this.memory = null;
    this.skew = 0;
  }
}
