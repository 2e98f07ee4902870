import { forEachStore, StoreKit } from '../support/store-kit.js';
import { storeContract } from './store-contract.js';

forEachStore('ClusterStore contract', storeContract);

describe('ClusterStore contract (redisStore, once index over 4 buckets)', () => {
  const kit = new StoreKit('redis', undefined, { onceBuckets: 4 });
  beforeEach(() => kit.reset());
  afterEach(() => kit.cleanup());
  storeContract(kit, { onceBuckets: 4 });
});
