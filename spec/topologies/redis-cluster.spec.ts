import { expect } from 'chai';
import { storeContract } from '../stores/store-contract.js';
import { askNode } from '../support/ask-node.js';
import { startRedisCluster, type RedisClusterNodes } from '../support/redis-cluster.js';
import { StoreKit } from '../support/store-kit.js';
import { connectCluster } from '../support/topology-clients.js';
import { waitFor } from '../support/wait-for.js';
import { topologySubset } from './topology-subset.js';

/** The keys each master holds that match `pattern` (KEYS is fine on a test's own nodes). */
async function keysByNode(nodes: RedisClusterNodes, pattern: string): Promise<string[][]> {
  return Promise.all(nodes.ports.map(async (port) => ((await askNode(port, ['KEYS', pattern])) as string[]).sort()));
}

/** The connections listening on the sharded `channel`, per master (SHARDNUMSUB counts on the slot's owner). */
async function listenersByNode(nodes: RedisClusterNodes, channel: string): Promise<number[]> {
  return Promise.all(
    nodes.ports.map(async (port) => Number(((await askNode(port, ['PUBSUB', 'SHARDNUMSUB', channel])) as unknown[])[1])),
  );
}

describe('Redis Cluster, 3 masters', function () {
  this.timeout(30_000);
  let nodes: RedisClusterNodes | null = null;
  const running = (): RedisClusterNodes => {
    if (!nodes) throw new Error('the Redis Cluster did not start');
    return nodes;
  };
  const kit = new StoreKit('redis', () => running().rootNodes[0]!.url, {}, () => connectCluster(running()));

  before(async () => {
    nodes = await startRedisCluster(3);
  });
  after(async () => {
    await nodes?.stop();
  });
  beforeEach(() => kit.reset());
  afterEach(() => kit.cleanup());

  describe('ClusterStore contract (redisStore on a createCluster() client)', () => storeContract(kit, { onceBuckets: 16 }));

  topologySubset(kit, {
    listeners: async (channel) => (await listenersByNode(running(), channel)).reduce((sum, n) => sum + n, 0),
  });

  describe('slots and shards @topology', () => {
    it('each lock keeps its keys in one slot, and thirty locks spread over all three masters @topology', async () => {
      const a = await kit.instance();
      const keys = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
      for (const key of keys) await a.mutex(key, { ttl: 10_000 }).lock();
      const byNode = await keysByNode(running(), `${kit.namespace}:lock:*`);
      expect(byNode.map((held) => held.length).reduce((sum, n) => sum + n, 0)).to.equal(30);
      expect(byNode.every((held) => held.length > 0), `locks per master: ${byNode.map((h) => h.length).join(', ')}`).to.equal(true);
      // a lock's fence counter lives beside it
      const fences = await keysByNode(running(), `${kit.namespace}:fence:*`);
      expect(fences.map((held) => held.length)).to.deep.equal(byNode.map((held) => held.length));
    });

    it('the once index of one namespace spreads over several slots on more than one master @topology', async () => {
      const a = await kit.instance();
      await Promise.all(Array.from({ length: 200 }, (_, i) => a.once.schedule(`spread-${i}`, Date.now() + 600_000)));
      const byNode = await keysByNode(running(), `${kit.namespace}:once:*`);
      const mastersUsed = byNode.filter((held) => held.length > 0).length;
      const tags = new Set(byNode.flat().map((key) => /\{[^}]*\}/.exec(key)?.[0]));
      expect(mastersUsed, 'masters holding once keys').to.be.at.least(2);
      expect(tags.size, 'hash tags (slots) of the once index').to.be.at.least(4);
      expect((await a.once.list()).length).to.equal(200);
    });

    it('a waiter listens for the release with SSUBSCRIBE on the shard that owns the lock @topology', async () => {
      const [a, b] = [await kit.instance(), await kit.instance()];
      await a.mutex('sharded', { ttl: 20_000 }).lock();
      const waiting = b.mutex('sharded', { ttl: 20_000 }).lock({ timeout: 10_000 });
      const channel = `${kit.namespace}:released:{sharded}`;
      const listeners = () => listenersByNode(running(), channel);
      await waitFor('the waiter to SSUBSCRIBE', async () => (await listeners()).reduce((sum, n) => sum + n, 0) === 1, 5_000);
      // SHARDNUMSUB counts on the node that owns the channel's slot: the lock's own master
      const lockOwner = (await keysByNode(running(), `${kit.namespace}:lock:*`)).findIndex((held) => held.length > 0);
      expect((await listeners())[lockOwner]).to.equal(1);
      await a.close(); // releases the lock: the waiter hears it on its shard
      expect((await waiting).fence).to.equal(2);
    });
  });
});
