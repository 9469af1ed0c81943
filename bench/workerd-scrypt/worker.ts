/**
 * Measurement worker (not deployed): runs idbridge's Worker scrypt with the parameters in the
 * query, so the load script can time it in workerd from the outside (Workers freeze Date.now()
 * during CPU work, so the time is measured by the client, against a no-op baseline).
 */
import { workerScrypt } from '../../src/entry/worker/scrypt.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const ln = Number(url.searchParams.get('ln') ?? '0');
    const p = Number(url.searchParams.get('p') ?? '1');
    if (ln > 0) {
      const salt = new Uint8Array(16);
      await workerScrypt(new TextEncoder().encode('correct horse battery staple'), salt, { ln, r: 8, p }, 32);
    }
    return new Response('ok');
  },
};
