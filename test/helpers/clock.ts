import type { Clock } from '../../src/clock.js';

/** A clock the test can move forward; sleeping is real (short) time. */
export class TestClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}
