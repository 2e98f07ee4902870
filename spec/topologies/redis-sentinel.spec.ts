import { expect } from 'chai';
import { storeContract } from '../stores/store-contract.js';
import { askNode } from '../support/ask-node.js';
import { startSentinelGroup, type SentinelGroup } from '../support/redis-sentinel.js';
import { StoreKit } from '../support/store-kit.js';
import { connectSentinel } from '../support/topology-clients.js';
import { topologySubset } from './topology-subset.js';

describe('Redis Sentinel, 1 master, 1 replica, 3 sentinels', function () {
  this.timeout(30_000);
  let group: SentinelGroup | null = null;
  const running = (): SentinelGroup => {
    if (!group) throw new Error('the Sentinel group did not start');
    return group;
  };
  const masterUrl = () => `redis://127.0.0.1:${running().masterPort}`;
  const kit = new StoreKit('redis', masterUrl, {}, () => connectSentinel(running()));
  const waitingKit = new StoreKit('redis', masterUrl, { waitForReplicas: { replicas: 1, timeout: 2_000 } }, () =>
    connectSentinel(running()),
  );

  before(async () => {
    group = await startSentinelGroup();
  });
  after(async () => {
    await group?.stop();
  });

  describe('on a createSentinel() client', () => {
    beforeEach(() => kit.reset());
    afterEach(() => kit.cleanup());

    describe('ClusterStore contract (redisStore on a createSentinel() client)', () => storeContract(kit));

    topologySubset(kit, {
      listeners: async (channel) => Number(((await askNode(running().masterPort, ['PUBSUB', 'NUMSUB', channel])) as unknown[])[1]),
    });

    it('the store writes to the master the sentinels name, and the replica follows @topology', async () => {
      const a = await kit.instance();
      const lease = await a.mutex('where').lock();
      const lockKey = `${kit.namespace}:lock:{where}`;
      expect(Number(await askNode(running().masterPort, ['EXISTS', lockKey]))).to.equal(1);
      await running().replicaCaughtUp();
      expect(Number(await askNode(running().replicaPort!, ['EXISTS', lockKey]))).to.equal(1);
      expect(Number(await askNode(running().replicaPort!, ['GET', `${kit.namespace}:fence:{where}`]))).to.equal(lease.fence);
    });
  });

  describe('on a createSentinel() client, with waitForReplicas: { replicas: 1 }', () => {
    beforeEach(() => waitingKit.reset());
    afterEach(() => waitingKit.cleanup());

    describe('ClusterStore contract (redisStore with waitForReplicas)', () => storeContract(waitingKit));

    it('Mutex#lock() with waitForReplicas resolves only once the replica holds the lock and its fence @topology', async () => {
      const a = await waitingKit.instance();
      const replicaPort = running().replicaPort!;
      const m = a.mutex('confirmed');
      for (let i = 0; i < 20; i += 1) {
        const lease = await m.lock();
        // asked at once, without waiting for the replica to catch up: WAIT already did
        const [exists, fence] = await Promise.all([
          askNode(replicaPort, ['EXISTS', `${waitingKit.namespace}:lock:{confirmed}`]),
          askNode(replicaPort, ['GET', `${waitingKit.namespace}:fence:{confirmed}`]),
        ]);
        expect(Number(exists), `round ${i}: the replica has the lock`).to.equal(1);
        expect(Number(fence), `round ${i}: the replica has the fence`).to.equal(lease.fence);
        await m.unlock();
      }
    });
  });
});
