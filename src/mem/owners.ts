// The owner registry: who holds an allocated page (kernel, user mappings, heaps, pools, CMA users, tests).
import { assert } from '../base/assert.ts';
import type { StateHasher } from '../base/hash.ts';

/** An owner id stored in PageTable.owner; 0 means "no owner" and is never handed out. */
export type OwnerId = number;

/** What kind of holder an owner is. */
export type OwnerKind = 'kernel' | 'user' | 'heap' | 'pool' | 'cma' | 'contig' | 'test';

/** Every OwnerKind, for generators and validation. */
export const OWNER_KINDS: readonly OwnerKind[] = ['kernel', 'user', 'heap', 'pool', 'cma', 'contig', 'test'];

/** A registry instance (one per machine): ids start at 1 and are never reused. */
export class Owners {
  private readonly kinds: OwnerKind[] = [];
  private readonly labels: string[] = [];

  /** Registers a new owner and returns its id (1, 2, 3, ...). */
  register(kind: OwnerKind, label: string): OwnerId {
    this.kinds.push(kind);
    this.labels.push(label);
    return this.kinds.length;
  }

  /** The number of owners registered so far (also the highest id). */
  get count(): number {
    return this.kinds.length;
  }

  /** True when `id` was handed out by register(). */
  has(id: OwnerId): boolean {
    return Number.isInteger(id) && id >= 1 && id <= this.kinds.length;
  }

  /** The kind `id` was registered with; asserts the id exists. */
  kindOf(id: OwnerId): OwnerKind {
    assert(this.has(id), () => `unknown owner id ${id}`);
    return this.kinds[id - 1] as OwnerKind;
  }

  /** The label `id` was registered with; asserts the id exists. */
  labelOf(id: OwnerId): string {
    assert(this.has(id), () => `unknown owner id ${id}`);
    return this.labels[id - 1] as string;
  }

  /** Feeds every registration, in id order, to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.kinds.length);
    for (let i = 0; i < this.kinds.length; i++) {
      hasher.updateString(this.kinds[i] as string);
      hasher.updateString(this.labels[i] as string);
    }
  }
}
