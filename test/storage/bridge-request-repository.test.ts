/**
 * BridgeRequestRepository's transitions (prepared statements): each is one conditional UPDATE that
 * exactly one caller wins, including the merged ones of the sign-in path (pending → posting right
 * after the password check, posting → returned after a successful postback).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import { BridgeRequestRepository } from '../../src/storage/bridge-request-repository.js';

let database: NodeDatabase | undefined;
afterEach(() => database?.close());

const NOW = 1_800_000_000_000;

async function withRequest(expiresAt = NOW + 60_000) {
  database = openDatabase(':memory:');
  const repo = new BridgeRequestRepository(database.db, 't');
  const { created } = await repo.createOrGet({
    requestId: 'req-0123456789abcdef',
    realm: 'https://rp.example/',
    requestedAttributes: ['email'],
    browserHash: 'b',
    loginHint: null,
    clientName: null,
    uiLocales: null,
    createdAt: NOW,
    expiresAt,
  });
  expect(created).toBe(true);
  return repo;
}

const ID = 'req-0123456789abcdef';

describe('BridgeRequestRepository transitions', () => {
  it('createOrGet inserts once and returns the stored request to a second caller', async () => {
    const repo = await withRequest();
    const again = await repo.createOrGet({ requestId: ID, realm: 'x', requestedAttributes: [], browserHash: 'other', loginHint: null, clientName: null, uiLocales: null, createdAt: NOW, expiresAt: NOW + 1 });
    expect(again.created).toBe(false);
    expect(again.request).toMatchObject({ realm: 'https://rp.example/', browserHash: 'b', state: 'pending', requestedAttributes: ['email'] });
  });

  it('authenticateAndClaim: pending → posting with the user, the amr and the lease, for exactly one caller', async () => {
    const repo = await withRequest();
    const [first, second] = await Promise.all([
      repo.authenticateAndClaim(ID, 'user-1', NOW, ['pwd'], NOW, NOW + 30_000),
      repo.authenticateAndClaim(ID, 'user-2', NOW, ['pwd'], NOW, NOW + 30_000),
    ]);
    expect(first).toMatchObject({ state: 'posting', userId: 'user-1', authTime: NOW, amr: ['pwd'], leaseUntil: NOW + 30_000 });
    expect(second).toBeNull();
    // Not a second time, and the plain claim does not take a live lease either.
    expect(await repo.authenticateAndClaim(ID, 'user-1', NOW, ['pwd'], NOW + 1, NOW + 30_000)).toBeNull();
    expect(await repo.claimForPostback(ID, NOW + 1, NOW + 60_000)).toBeNull();
    expect((await repo.get(ID))?.userId).toBe('user-1');
  });

  it('authenticateAndClaim refuses an expired request', async () => {
    const repo = await withRequest(NOW + 1_000);
    expect(await repo.authenticateAndClaim(ID, 'user-1', NOW, ['pwd'], NOW + 1_000, NOW + 30_000)).toBeNull();
    expect((await repo.get(ID))?.state).toBe('pending');
  });

  it('settlePostback "returned": posting → returned once, recording the attempts and status; finish then has nothing to do', async () => {
    const repo = await withRequest();
    expect(await repo.settlePostback(ID, 'returned', 1, 200, NOW)).toBe(false); // still pending
    await repo.authenticateAndClaim(ID, 'user-1', NOW, ['pwd'], NOW, NOW + 30_000);
    const [a, b] = await Promise.all([repo.settlePostback(ID, 'returned', 1, 200, NOW + 5), repo.settlePostback(ID, 'failed', 1, 500, NOW + 5)]);
    expect([a, b]).toEqual([true, false]);
    expect(await repo.get(ID)).toMatchObject({ state: 'returned', postbackAttempts: 1, lastStatus: 200, leaseUntil: null });
    expect(await repo.finish(ID, NOW + 6)).toBe(false);
    expect(await repo.returnUnauthenticated(ID, NOW + 6)).toBe(false);
  });

  it('a lapsed lease can be taken over; the settled outcome and the manual retries follow the one-winner rule', async () => {
    const repo = await withRequest();
    await repo.authenticateAndClaim(ID, 'user-1', NOW, ['pwd'], NOW, NOW + 1_000);
    expect(await repo.claimForPostback(ID, NOW + 2_000, NOW + 30_000)).toMatchObject({ state: 'posting', leaseUntil: NOW + 30_000 });
    expect(await repo.settlePostback(ID, 'failed', 2, null, NOW + 2_001)).toBe(true);
    expect(await repo.useManualRetry(ID, 1, NOW + 2_002)).toBe(true);
    expect(await repo.useManualRetry(ID, 1, NOW + 2_003)).toBe(false);
    expect(await repo.claimForPostback(ID, NOW + 2_004, NOW + 30_000)).toMatchObject({ state: 'posting', manualRetries: 1, postbackAttempts: 2 });
    expect(await repo.settlePostback(ID, 'posted', 3, 200, NOW + 2_005)).toBe(true);
    expect(await repo.finish(ID, NOW + 2_006)).toBe(true);
    expect(await repo.finish(ID, NOW + 2_007)).toBe(false);
  });

  it('returnUnauthenticated: pending → returned once', async () => {
    const repo = await withRequest();
    expect(await repo.returnUnauthenticated(ID, NOW)).toBe(true);
    expect(await repo.returnUnauthenticated(ID, NOW)).toBe(false);
    expect(await repo.authenticateAndClaim(ID, 'user-1', NOW, ['pwd'], NOW, NOW + 30_000)).toBeNull();
  });
});
