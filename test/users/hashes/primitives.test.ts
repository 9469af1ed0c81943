import { nodeHashPrimitives } from '../../../src/entry/node/hash-primitives.js';
import { workerHashPrimitives } from '../../../src/entry/worker/hash-primitives.js';
import { hashPrimitivesContract } from './primitives-contract.js';

hashPrimitivesContract('node (native)', nodeHashPrimitives);
// Pure JS + WebCrypto: the same code runs in workerd; here it runs under Node.
hashPrimitivesContract('workers (pure JS)', workerHashPrimitives);
