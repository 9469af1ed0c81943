/**
 * Measurement worker (not deployed): verifies the bench hashes (test/fixtures/hashes/bench-hashes.json)
 * with the Workers hash primitives inside workerd, so bench/workerd-hashes.mjs can check that every
 * format works there and time it from outside. `?i=<index>` verifies one hash; `?i=-1` is the no-op.
 */
import { workerHashPrimitives } from '../../src/entry/worker/hash-primitives.js';
import { createHashRegistry } from '../../src/users/hashes/registry.js';
import bench from '../../test/fixtures/hashes/bench-hashes.json';

const registry = createHashRegistry(workerHashPrimitives, { limits: { argon2MemoryKiB: 110_000 } });

export default {
  async fetch(request: Request): Promise<Response> {
    const i = Number(new URL(request.url).searchParams.get('i') ?? '-1');
    if (i < 0) return new Response('ok');
    const entry = bench.hashes[i]!;
    const result = await registry.verify(bench.password, entry.hash);
    return Response.json({ format: entry.format, ...result }, { status: result.ok ? 200 : 500 });
  },
};
