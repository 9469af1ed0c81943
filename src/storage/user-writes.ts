import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { UserEventType } from '../users/user-events.js';
import { randomToken } from '../util/bytes.js';
import { atomicWrite, type WriteStep } from './atomic-write.js';
import type { Database } from './database.js';
import { webhookEvents } from './schema.js';

/**
 * One change of a user row and the notification it produces. The event is not optional: a write
 * either names its event type or says, in words, why the change is not one receivers should hear
 * about (`{ silent: 'why' }`), so a new write method cannot forget the outbox by accident.
 */
export interface UserChange {
  userId: string;
  /** When it happened (ms): the event's `occurred_at`. */
  at: number;
  /**
   * The one INSERT/UPDATE/DELETE of `users` that makes the change, built on the `db` given and not
   * run (`(db) => db.update(users).set(…).where(…)`). It must touch at most the row of `userId`.
   */
  statement: (db: Database) => WriteStep;
  /**
   * The event, or several when one change is several things receivers subscribe to separately
   * (an email change confirmed by its link is `user.updated` and `user.email_verified`): one
   * outbox row each, in the order given, with consecutive sequence numbers and the same snapshot.
   * `user.deleted` stands alone.
   */
  event: UserEventType | readonly UserEventType[] | { silent: string };
  /**
   * A further row written in the same transaction only if the change took effect (`happened` is
   * an SQL condition true exactly then): the Users API's audit entry. Built on the `db` given.
   */
  alongside?: (db: Database, happened: SQL) => WriteStep;
}

/**
 * The one way to change the `users` table (see {@link UserChange}). The change and its outbox row
 * are written in one transaction ({@link atomicWrite}):
 * - the event is a snapshot of the user row taken inside that transaction: after the change, or
 *   before it for `user.deleted` (the row is gone afterwards);
 * - it is written only when the change changed a row (SQLite's `changes()`), so a conditional
 *   update that matched nothing (wrong ETag, unknown id) leaves no event;
 * - a failing change leaves no event, and a failing event insert undoes the change.
 */
export class UserWrites {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
    private readonly newEventId: () => string = () => `evt_${randomToken(128)}`,
  ) {}

  /** Apply the change; returns the number of user rows it changed (0 or 1). */
  async write(change: UserChange): Promise<number> {
    return (await this.writeAll([change]))[0]!;
  }

  /**
   * Apply several changes in one transaction, in order (each with its events, as in
   * {@link write}); returns the rows each changed. For alternatives whose conditions exclude each
   * other, so exactly the one that applies writes its events (see `confirmEmail`).
   */
  async writeAll(changes: readonly UserChange[]): Promise<number[]> {
    const steps: WriteStep[] = [];
    const statementAt: number[] = [];
    for (const change of changes) this.stepsOf(change, steps, statementAt);
    const counts = await atomicWrite(this.db, steps);
    return statementAt.map((i) => counts[i] ?? 0);
  }

  /** Appends the change's steps; records the index of its statement's step. */
  private stepsOf(change: UserChange, steps: WriteStep[], statementAt: number[]): void {
    const statement = change.statement(this.db);
    if (!Array.isArray(change.event) && typeof change.event !== 'string') {
      statementAt.push(steps.length);
      steps.push(statement);
      if (change.alongside) steps.push(change.alongside(this.db, sql`changes() > 0`));
      return;
    }
    const types: readonly UserEventType[] = typeof change.event === 'string' ? [change.event] : (change.event as readonly UserEventType[]);
    if (types.length === 0) throw new Error('UserWrites: a change needs an event type or { silent: reason }');
    if (types.includes('user.deleted') && types.length > 1) throw new Error('UserWrites: user.deleted stands alone');
    const ids = types.map(() => this.newEventId());
    // The change happened exactly when its (first) event row exists.
    const happened = sql`exists (select 1 from webhook_events where tenant = ${this.tenant} and id = ${ids[0]!})`;
    if (types[0] === 'user.deleted') {
      // Snapshot first, then delete; take the event back if the delete matched nothing.
      steps.push(this.insertEvent(ids[0]!, change.userId, 'user.deleted', change.at, sql`1`));
      statementAt.push(steps.length);
      steps.push(
        statement,
        this.db.delete(webhookEvents).where(and(eq(webhookEvents.tenant, this.tenant), eq(webhookEvents.id, ids[0]!), sql`changes() = 0`)),
      );
    } else {
      statementAt.push(steps.length);
      steps.push(statement);
      // Each insert sees changes() of the step before: the statement, then the previous event
      // (1 exactly when the statement changed the row), so all or none are written.
      types.forEach((type, i) => steps.push(this.insertEvent(ids[i]!, change.userId, type, change.at, sql`changes() > 0`)));
    }
    if (change.alongside) steps.push(change.alongside(this.db, happened));
  }

  /**
   * INSERT … SELECT of the event from the user row, so the snapshot is the row as the transaction
   * sees it. The per-user sequence is one more than the user's last event; events are purged
   * keeping each user's latest (see the outbox repository), so it never restarts.
   */
  private insertEvent(id: string, userId: string, type: UserEventType, at: number, condition: SQL): WriteStep {
    // Columns in table order (tenant, id, user_id, sequence, type, occurred_at, data, fanned_out_at).
    return this.db.insert(webhookEvents).select(sql`select u.tenant, ${id}, u.id,
        coalesce((select max(e.sequence) from webhook_events e where e.tenant = u.tenant and e.user_id = u.id), 0) + 1,
        ${type}, ${at},
        json_object(
          'id', u.id, 'email', u.email, 'username', u.username,
          'nickname', u.nickname, 'fullname', u.fullname, 'dob', u.dob, 'gender', u.gender,
          'postcode', u.postcode, 'country', u.country, 'language', u.language, 'timezone', u.timezone,
          'phone', u.phone, 'customer_id', u.customer_id, 'external_id', u.external_id,
          'attributes', case when json_valid(u.attributes) then json(u.attributes) else json('{}') end,
          'email_verified', u.email_verified, 'blocked', u.blocked,
          'logins_count', u.logins_count, 'login_time', u.login_time,
          'create_time', u.create_time, 'update_time', u.update_time,
          'has_password', json(case when u.password_hash is null then 'false' else 'true' end)),
        null
      from users u
      where u.tenant = ${this.tenant} and u.id = ${userId} and ${condition}`);
  }
}
