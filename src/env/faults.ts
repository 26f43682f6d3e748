// Named fault-injection sites (like Linux's fail_page_alloc): armed explicitly by the caller, never random on their own.
import { assert } from '../base/assert.ts';

/** Places where the simulator can be told to fail, each mirroring a Linux failure path. */
export type FaultSite =
  | 'page_alloc'     // should_fail_alloc_page(): the next allocPages returns NULL (ENOMEM)
  | 'migrate'        // migrate_pages(): the next page migration fails as if the page were busy
  | 'isolate'        // set_migratetype_isolate(): the next pageblock isolation fails with EBUSY
  | 'transient_pin'  // a short-term pin appears on a page in the range being migrated
  | 'fatal_signal';  // fatal_signal_pending(): the calling task has been killed (checked by heap and contig loops)

export const FAULT_SITES: readonly FaultSite[] = ['page_alloc', 'migrate', 'isolate', 'transient_pin', 'fatal_signal'];

/** Counts of armed failures per site; each consult of an armed site consumes one and reports a failure. */
export class FaultInjector {
  private readonly armed = new Map<FaultSite, number>();
  private readonly fired = new Map<FaultSite, number>();

  /** Makes the next `count` consults of `site` fail (adds to what is already armed). */
  arm(site: FaultSite, count: number): void {
    assert(Number.isSafeInteger(count) && count >= 0, () => `cannot arm ${site} ${count} times`);
    this.armed.set(site, (this.armed.get(site) ?? 0) + count);
  }

  /** Disarms every site. */
  clear(): void {
    this.armed.clear();
  }

  /** Called at the failure site: true means "fail now" and consumes one armed failure. */
  shouldFail(site: FaultSite): boolean {
    const left = this.armed.get(site) ?? 0;
    if (left === 0) return false;
    this.armed.set(site, left - 1);
    this.fired.set(site, (this.fired.get(site) ?? 0) + 1);
    return true;
  }

  armedCount(site: FaultSite): number {
    return this.armed.get(site) ?? 0;
  }

  firedCount(site: FaultSite): number {
    return this.fired.get(site) ?? 0;
  }
}
