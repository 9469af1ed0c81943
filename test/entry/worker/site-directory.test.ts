/**
 * The Worker entry refuses `directory.kind: sql` at start-up (no database drivers on Workers),
 * with a configuration error naming the setting: 503 and one JSON log line, before D1 is touched.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../../src/entry/worker/index.js';

describe('Worker entry: site directories', () => {
  afterEach(() => vi.restoreAllMocks());

  it('kind sql is refused at start-up, naming directory.kind', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const env = {
      DB: new Proxy({}, { get: () => { throw new Error('D1 must not be touched'); } }),
      IDBRIDGE_ENV: 'test',
      IDBRIDGE_SECRET: 'worker-secret-worker-secret-worker-secret-0123',
      IDBRIDGE_PUBLIC_URL: 'https://id.example.com',
      IDBRIDGE_CONFIG: JSON.stringify({ directory: { kind: 'sql', preset: 'laravel', url: 'sqlite:/data/site.sqlite' } }),
    };
    const res = await worker.fetch(new Request('https://id.example.com/healthz'), env as never, {} as never);
    expect(res.status).toBe(503);
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]!)).toMatchObject({ event: 'worker_start_failed', error: expect.stringContaining('directory.kind: sql is not available on Cloudflare Workers') });
  });
});
