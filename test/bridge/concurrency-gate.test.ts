/** ConcurrencyGates: bounded concurrency per key, with a bounded, time-limited FIFO queue. */
import { describe, expect, it } from 'vitest';
import { ConcurrencyGates } from '../../src/bridge/concurrency-gate.js';

describe('ConcurrencyGates', () => {
  it('admits up to the concurrency, queues the next in order, refuses beyond the queue', async () => {
    const gates = new ConcurrencyGates();
    const limits = { concurrency: 2, queue: 2, maxWaitMs: 5_000 };
    const a = (await gates.acquire('k', limits))!;
    const b = (await gates.acquire('k', limits))!;
    const order: string[] = [];
    const c = gates.acquire('k', limits).then((r) => (order.push('c'), r));
    const d = gates.acquire('k', limits).then((r) => (order.push('d'), r));
    expect(await gates.acquire('k', limits)).toBeUndefined(); // queue full
    expect(await gates.acquire('other', limits)).toBeTypeOf('function'); // other keys unaffected
    expect(gates.usage('k')).toEqual({ running: 2, waiting: 2 });
    a();
    a(); // releasing twice frees one slot only
    const releaseC = (await c)!;
    expect(gates.usage('k')).toEqual({ running: 2, waiting: 1 });
    b();
    const releaseD = (await d)!;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect(gates.usage('k')).toEqual({ running: 0, waiting: 0 });
  });

  it('gives up a wait after maxWaitMs and leaves the queue clean', async () => {
    const gates = new ConcurrencyGates();
    const limits = { concurrency: 1, queue: 5, maxWaitMs: 20 };
    const held = (await gates.acquire('k', limits))!;
    expect(await gates.acquire('k', limits)).toBeUndefined();
    expect(gates.usage('k')).toEqual({ running: 1, waiting: 0 });
    held();
    expect(await gates.acquire('k', limits)).toBeTypeOf('function');
  });
});
