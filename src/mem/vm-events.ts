// Event counters (like /proc/vmstat): every interesting thing the simulator does bumps one; the harness reads them.

/** Counter names; modules add theirs here so the set stays in one place. */
export const VM_EVENTS = [
  'pgalloc', 'pgfree', 'pgalloc_fail', 'alloc_fallback', 'alloc_steal_block', 'alloc_cma_fallback',
  'pcp_refill', 'pcp_drain', 'pcp_free_bulk', 'highatomic_reserve', 'highatomic_unreserve',
  'kswapd_wake', 'allocstall', 'compact_stall', 'oom_fail', 'watermark_fail',
  'bulk_alloc', 'bulk_alloc_partial',
  'pgmigrate_success', 'pgmigrate_fail', 'isolate_fail', 'contig_alloc_success', 'contig_alloc_fail',
  'longterm_pin', 'longterm_pin_migrate', 'shortterm_pin',
  'cma_alloc_success', 'cma_alloc_fail', 'cma_alloc_busy_retry', 'cma_release', 'cma_bulk_partial',
  'movable_in_cma', 'compact_success', 'compact_rebuilt_high_order',
  'heap_alloc', 'heap_alloc_fail', 'heap_release', 'pool_hit', 'pool_miss', 'pool_shrink',
  'deferred_free_queued', 'deferred_free_zeroed', 'deferred_free_pressure',
  'cpa_refill', 'cpa_overflow_free', 'shrinker_scan', 'pressure_event',
] as const;

export type VmEvent = (typeof VM_EVENTS)[number];

export class VmEvents {
  private readonly counts = new Float64Array(VM_EVENTS.length);
  private readonly index = new Map<VmEvent, number>(VM_EVENTS.map((name, i) => [name, i]));

  /** The one mutator: adds `by` (default 1) to `event`. */
  count(event: VmEvent, by = 1): void {
    const i = this.index.get(event) as number;
    this.counts[i] = (this.counts[i] as number) + by;
  }

  get(event: VmEvent): number {
    return this.counts[this.index.get(event) as number] as number;
  }

  /** All counters, in declaration order (for /proc/vmstat-style dumps and campaign summaries). */
  snapshot(): Record<VmEvent, number> {
    return Object.fromEntries(VM_EVENTS.map((name, i) => [name, this.counts[i] as number])) as Record<VmEvent, number>;
  }
}
