import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type NodeDatabase } from '../../src/entry/node/database.js';
import { ApiKeyVault } from '../../src/provider/api-key.js';
import { SettingsRepository } from '../../src/storage/settings-repository.js';
import { SecretBox } from '../../src/util/secret-box.js';
import { TestClock } from '../helpers/clock.js';

let database: NodeDatabase | undefined;
afterEach(() => database?.close());

describe('ApiKeyVault', () => {
  it('re-reads the stored key after 5 s of the injected clock, so a rotation elsewhere applies', async () => {
    database = openDatabase(':memory:');
    const clock = new TestClock();
    const settings = new SettingsRepository(database.db, 't');
    const box = new SecretBox('x'.repeat(48), 'aw-api-key');
    const here = new ApiKeyVault(settings, box, clock);
    const otherProcess = new ApiKeyVault(settings, box, clock);

    const first = await here.ensure();
    expect(await here.matches(first)).toBe(true);
    const rotated = await otherProcess.rotate();

    // (The test clock also runs in real time: margins, not edges.)
    clock.advance(2_500);
    expect(await here.matches(rotated)).toBe(false); // the cached read, at most 5 s old
    clock.advance(2_500);
    expect(await here.matches(rotated)).toBe(true);
    expect(await here.matches(first)).toBe(false);
  });

  it('applies its own rotation at once', async () => {
    database = openDatabase(':memory:');
    const clock = new TestClock();
    const vault = new ApiKeyVault(new SettingsRepository(database.db, 't'), new SecretBox('y'.repeat(48), 'aw-api-key'), clock);
    const first = await vault.ensure();
    const second = await vault.rotate();
    expect(await vault.matches(second)).toBe(true);
    expect(await vault.matches(first)).toBe(false);
  });
});
