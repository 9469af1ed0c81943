/**
 * An in-memory {@link AssociationStore}: for tests and single-process development only (a restart
 * forgets every association, which breaks stateful RPs until they re-associate).
 */
import type { Association, AssociationStore } from './association.js';

export class MemoryAssociationStore implements AssociationStore {
  private readonly associations = new Map<string, Association>();

  async save(association: Association): Promise<void> {
    this.associations.set(association.handle, association);
  }

  async find(handle: string): Promise<Association | null> {
    return this.associations.get(handle) ?? null;
  }

  async consume(handle: string): Promise<boolean> {
    // Map.delete runs without an await, so this is atomic on one event loop.
    return this.associations.delete(handle);
  }

  /** Number of stored associations (for tests). */
  get size(): number {
    return this.associations.size;
  }
}
