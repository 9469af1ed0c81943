import type { UserEventType } from '../../users/user-events.js';

/** A receiver of change notifications. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: UserEventType[];
  createdAt: number;
}

/** One delivery (event × endpoint) as the delivery log shows it. */
export interface DeliveryView {
  eventId: string;
  type: string;
  userId: string;
  sequence: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** A delivery a worker holds the lease of: everything one attempt needs. */
export interface ClaimedDelivery {
  endpointId: string;
  url: string;
  sealedSecret: string;
  eventId: string;
  type: string;
  userId: string;
  sequence: number;
  occurredAt: number;
  /** JSON snapshot of the user row (see storage/user-writes.ts). */
  data: string;
  /** This attempt's number, from 1. */
  attempt: number;
  /** When the delivery was created (the retry deadline counts from here). */
  createdAt: number;
}

/** What an attempt came to, for the log. */
export interface AttemptRecord {
  startedAt: number;
  durationMs: number;
  status: number | null;
  error: string | null;
  response: string | null;
}

/** Storage of endpoints, deliveries and the attempt log (storage/webhook-repository.ts). */
export interface WebhookStore {
  addEndpoint(endpoint: WebhookEndpoint & { sealedSecret: string }): Promise<void>;
  listEndpoints(): Promise<WebhookEndpoint[]>;
  findEndpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Removes the endpoint with its deliveries and log; false when there was none. */
  removeEndpoint(id: string): Promise<boolean>;
  /** Create the deliveries of up to `limit` new events for the endpoints subscribed to them; returns the events done. */
  fanOut(now: number, limit: number): Promise<number>;
  /**
   * Lease up to `limit` due deliveries for `owner` until `leaseUntil`: one conditional UPDATE,
   * only each (endpoint, user)'s earliest pending one, none whose lease is still held.
   */
  claim(options: { now: number; owner: string; leaseUntil: number; limit: number }): Promise<ClaimedDelivery[]>;
  /**
   * Record an attempt and the delivery's next state, if `owner` still holds the lease (false:
   * the lease expired and another worker took the delivery over).
   */
  finish(
    delivery: ClaimedDelivery,
    owner: string,
    attempt: AttemptRecord,
    next: { status: 'delivered' | 'failed'; at: number } | { status: 'pending'; nextAttemptAt: number },
  ): Promise<boolean>;
  deliveries(endpointId: string, limit: number): Promise<DeliveryView[]>;
  attempts(endpointId: string, eventId: string): Promise<Array<AttemptRecord & { attempt: number }>>;
  /** Delete finished deliveries, their log and events older than `before` (keeping each user's latest event). */
  purge(before: number): Promise<number>;
}
