/** The lru-cache store passes the ResponseStore contract, as the main store and as a small hot store. */
import { test } from 'uvu';
import { LruResponseStore } from '../../../edge/store/response-store.js';
import { responseStoreContract } from '../../contracts/response-store.contract.js';

responseStoreContract('LruResponseStore', (options) => new LruResponseStore(options));

test.run();
