import type { Clock } from '../clock.js';
import { hmacSha256, toBase64Url, utf8 } from '../util/bytes.js';
import type { ActionCounterStore } from './ports.js';

const HOUR_MS = 3600 * 1000;

/**
 * Hourly limits on actions that cost us a mail or a password hash (sign-up, reset, resend), per
 * address and per client network. Counters live in the login throttle's table under their own
 * key prefix; keys are HMACs so the table holds no addresses or IPs in clear.
 */
export class ActionLimits {
  constructor(
    private readonly store: ActionCounterStore,
    private readonly clock: Clock,
    private readonly keySecret: Promise<Uint8Array<ArrayBuffer>>,
  ) {}

  /**
   * Count one `action` for `subject` and say whether it is still within `perHour`; when not, the
   * seconds until the window ends.
   */
  async hit(action: string, subject: string, perHour: number): Promise<{ ok: true } | { ok: false; retryAfter: number }> {
    const now = this.clock.now();
    const mac = toBase64Url(await hmacSha256(await this.keySecret, utf8(`${action}|${subject.toLowerCase()}`)));
    const counter = await this.store.increment(`act:${action}:${mac}`, now, now - HOUR_MS);
    if (counter.failures <= perHour) return { ok: true };
    return { ok: false, retryAfter: Math.max(1, Math.ceil((counter.windowStart + HOUR_MS - now) / 1000)) };
  }
}
