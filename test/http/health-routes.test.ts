import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';

describe('/healthz and /readyz', () => {
  it('are ready while the database answers, and /readyz says 503 (and logs why) once it does not', async () => {
    const { app, close, logger } = await testApp();
    const health = await app.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('cache-control')).toBe('no-store');
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(ready.headers.get('cache-control')).toBe('no-store');

    close(); // the real SQLite connection goes away
    const down = await app.request('/readyz');
    expect(down.status).toBe(503);
    const body = await down.text();
    expect(JSON.parse(body)).toEqual({ status: 'unavailable' });
    expect(body).not.toMatch(/database|sqlite|connection/i);
    expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'error', event: 'readiness_failed', error: expect.stringMatching(/not open/) }));
    // Liveness does not depend on the database.
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
