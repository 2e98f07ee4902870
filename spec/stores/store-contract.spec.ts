import { forEachStore } from '../support/store-kit.js';
import { storeContract } from './store-contract.js';

forEachStore('ClusterStore contract', storeContract);
