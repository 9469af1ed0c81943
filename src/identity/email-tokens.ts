import type { Clock } from '../clock.js';
import { randomToken, sha256Base64Url } from '../util/bytes.js';
import type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from './ports.js';

/** A token as issued: 256 random bits, base64url (43 characters). */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The one mechanism for mailed links (verification, reset, later account linking): a random
 * token in the link, only its SHA-256 in the database (a plain hash suffices for 256 random bits:
 * there is nothing to guess), bound to a purpose, a user and the address it went to, expiring,
 * used once. Nothing ties it to a browser, so a link opened on another device works.
 */
export class EmailTokens {
  constructor(
    private readonly store: EmailTokenStore,
    private readonly clock: Clock,
  ) {}

  /** Issue a link token; returns the token for the link (never stored). */
  async issue(purpose: EmailTokenPurpose, userId: string, email: string, ttlSeconds: number, requestId?: string): Promise<string> {
    const token = randomToken(256);
    const now = this.clock.now();
    await this.store.insert(await sha256Base64Url(token), {
      purpose,
      userId,
      email,
      requestId: requestId ?? null,
      createdAt: now,
      expiresAt: now + ttlSeconds * 1000,
    });
    return token;
  }

  /** The usable link behind `token` without using it up (to show its form), or null. */
  async peek(token: string | undefined, purpose: EmailTokenPurpose): Promise<EmailTokenRecord | null> {
    if (!token || !TOKEN.test(token)) return null;
    return this.store.find(await sha256Base64Url(token), purpose, this.clock.now());
  }

  /** Use the link: exactly one caller gets the record; tampered, used or expired → null. */
  async consume(token: string | undefined, purpose: EmailTokenPurpose): Promise<EmailTokenRecord | null> {
    if (!token || !TOKEN.test(token)) return null;
    return this.store.consume(await sha256Base64Url(token), purpose, this.clock.now());
  }

  /** Invalidate every unused link of the user for this purpose. */
  invalidateAll(userId: string, purpose: EmailTokenPurpose): Promise<void> {
    return this.store.consumeAllFor(userId, purpose, this.clock.now());
  }

  /**
   * The work of issuing a link, without one: a request for an unknown address costs what a real
   * one does (a token, its hash and a database round trip), so timing tells nothing.
   */
  async burn(purpose: EmailTokenPurpose): Promise<void> {
    await this.store.find(await sha256Base64Url(randomToken(256)), purpose, this.clock.now());
  }

  /** The user's newest usable link of this purpose (the account page's "waiting for confirmation"). */
  latestUsableFor(userId: string, purpose: EmailTokenPurpose): Promise<EmailTokenRecord | null> {
    return this.store.latestUsableFor(userId, purpose, this.clock.now());
  }

  lastSentAt(email: string, purpose: EmailTokenPurpose): Promise<number | null> {
    return this.store.lastSentAt(email, purpose);
  }
}
