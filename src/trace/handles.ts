// Named handles a trace keeps across statements (page allocations, user mappings, CMA ranges, buffers), by kind.
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';

/** A table of live handles of one kind; names are given with `as=NAME` or made from a prefix and a counter. */
export class HandleTable<T> {
  private readonly entries = new Map<string, T>();
  private nextNumber = 1;

  constructor(private readonly prefix: string, private readonly what: string) {}

  /** Stores `value` under `name` (or the next free PREFIX<n>); EEXIST when `name` is live. */
  put(value: T, name?: string): Result<string> {
    if (name !== undefined) {
      if (this.entries.has(name)) return err('EEXIST', `${this.what} handle "${name}" is already live`);
      this.entries.set(name, value);
      return ok(name);
    }
    let auto = `${this.prefix}${this.nextNumber++}`;
    while (this.entries.has(auto)) auto = `${this.prefix}${this.nextNumber++}`;
    this.entries.set(auto, value);
    return ok(auto);
  }

  /** True when `name` is a live handle. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The value of a live handle; ENOENT naming it otherwise. */
  get(name: string): Result<T> {
    const value = this.entries.get(name);
    return value === undefined ? err('ENOENT', `no live ${this.what} handle "${name}"`) : ok(value);
  }

  /** Replaces the value of a live handle (a name that is not live is a pagelab bug). */
  set(name: string, value: T): void {
    assert(this.entries.has(name), `${this.what} handle "${name}" is not live`);
    this.entries.set(name, value);
  }

  /** Forgets a handle (after its object was released). */
  delete(name: string): void {
    this.entries.delete(name);
  }

  /** Live handles in creation order. */
  list(): [string, T][] {
    return [...this.entries.entries()];
  }
}
