// "Sometimes" events: states a campaign should reach now and then (a migration, a partial bulk allocation, a shrunk pool), declared with the op groups that can reach them, observed per run and reported with a warning for those that never fired.
import { FAULT_SITES, type FaultSite } from '../src/env/faults.ts';
import type { VmEvent } from '../src/mem/vm-events.ts';
import { PROFILES, reachableGroups, type ProfileName } from './campaign-profile.ts';
import type { OpContext, OpGroup } from './ops/op.ts';
import { OP_SPECS } from './ops/registry.ts';
import type { KindCounts } from './run-sequence.ts';

/** What a finished run offers the predicates: the machine's event counters, fired fault sites and per-kind op outcomes. */
export interface RunObservation {
  readonly events: Readonly<Record<string, number>>;
  readonly faultsFired: Readonly<Record<string, number>>;
  readonly kindCounts: Readonly<Record<string, KindCounts>>;
}

/** One declared event. */
export interface SometimesEvent {
  readonly name: string;
  readonly description: string;
  /** Reachable when any of these groups is in the profile and has op kinds registered. */
  readonly groups: readonly OpGroup[];
  readonly fired: (run: RunObservation) => boolean;
}

/** How an event fared in a campaign. */
export type SometimesStatus = 'fired' | 'never' | 'not-registered' | 'outside-profile';

/** One line of the summary's sometimes table. */
export interface SometimesReport {
  readonly name: string;
  readonly description: string;
  /** Runs in which it fired. */
  readonly runs: number;
  /** never: reachable but not reached (a warning); not-registered: the profile names the group but no op module of it is registered yet. */
  readonly status: SometimesStatus;
}

function counter(event: VmEvent, name: string, description: string, groups: readonly OpGroup[]): SometimesEvent {
  return { name, description, groups, fired: (run) => (run.events[event] ?? 0) > 0 };
}

function faultFired(site: FaultSite, groups: readonly OpGroup[]): SometimesEvent {
  return { name: `fault-${site.replace(/_/g, '-')}`, description: `an armed ${site} fault fired`, groups, fired: (run) => (run.faultsFired[site] ?? 0) > 0 };
}

function allocationFailed(run: RunObservation): boolean {
  return (run.kindCounts['allocPages']?.failed ?? 0) + (run.kindCounts['allocPagesBulk']?.failed ?? 0) > 0;
}

const BUDDY: readonly OpGroup[] = ['buddy'];
const CONTIG: readonly OpGroup[] = ['contig', 'cma'];
const CMA: readonly OpGroup[] = ['cma'];
const HEAPS: readonly OpGroup[] = ['heaps'];

/** Every declared event, in report order. */
export const SOMETIMES_EVENTS: readonly SometimesEvent[] = [
  counter('pcp_refill', 'pcp-refill', 'a per-CPU list was refilled from the buddy lists', BUDDY),
  counter('alloc_steal_block', 'fallback-steal', 'a fallback allocation claimed a pageblock of another migratetype', BUDDY),
  counter('alloc_cma_fallback', 'movable-from-cma', 'a movable allocation was served from a CMA pageblock', BUDDY),
  counter('bulk_alloc_partial', 'bulk-partial', 'alloc_pages_bulk returned fewer pages than asked', BUDDY),
  counter('highatomic_reserve', 'highatomic-reserve', 'a pageblock was reserved for high-order atomic allocations', BUDDY),
  counter('watermark_fail', 'watermark-fail', 'a zone failed its watermark check (memory ran low)', BUDDY),
  counter('allocstall', 'direct-reclaim', 'an allocation entered direct reclaim', BUDDY),
  counter('compact_success', 'compaction-success', 'direct compaction produced the page an allocation needed', BUDDY),
  { name: 'alloc-enomem', description: 'an allocation op returned ENOMEM', groups: BUDDY, fired: allocationFailed },
  faultFired('page_alloc', BUDDY),
  counter('pgmigrate_success', 'migration', 'a page was migrated', CONTIG),
  counter('pgmigrate_fail', 'migration-failed', 'a page migration failed (busy, pinned or an armed fault)', CONTIG),
  counter('isolate_fail', 'isolation-failed', 'a pageblock could not be isolated', CONTIG),
  counter('contig_alloc_success', 'contig-alloc', 'alloc_contig_range succeeded', CONTIG),
  counter('longterm_pin_migrate', 'longterm-pin-migrated', 'a FOLL_LONGTERM pin migrated pages out of CMA/ZONE_MOVABLE first', CONTIG),
  counter('movable_in_cma', 'movable-in-cma', 'a movable user page sat in a CMA area', CONTIG),
  counter('compact_rebuilt_high_order', 'compaction-rebuilt-high-order', 'compaction rebuilt a free block of pageblock order or more', CONTIG),
  faultFired('migrate', CONTIG),
  faultFired('isolate', CONTIG),
  faultFired('transient_pin', CONTIG),
  counter('cma_alloc_success', 'cma-alloc', 'cma_alloc succeeded', CMA),
  counter('cma_alloc_busy_retry', 'cma-busy-retry', 'cma_alloc retried past a busy range', CMA),
  counter('cma_bulk_partial', 'cma-bulk-partial', 'cma_alloc_bulk returned a partial result', CMA),
  counter('heap_alloc', 'heap-alloc', 'a dma-buf heap allocation succeeded', HEAPS),
  counter('pool_hit', 'pool-hit', 'a page pool served an allocation', HEAPS),
  counter('pool_shrink', 'pool-shrink', 'a page pool was shrunk', HEAPS),
  counter('deferred_free_zeroed', 'deferred-free', 'the deferred-free worker zeroed and released a buffer', HEAPS),
  counter('shrinker_scan', 'shrinker-scan', 'a shrinker was scanned under memory pressure', HEAPS),
  counter('cpa_refill', 'cpa-refill', 'the CPA pool refilled', HEAPS),
  faultFired('fatal_signal', ['contig', 'cma', 'heaps']),
];

/** The machine's side of an observation (call from runSequence's `observe`); the op outcomes come from the run's result. */
export function observeMachine(ctx: OpContext): Omit<RunObservation, 'kindCounts'> {
  const faults = ctx.machine.env.faults;
  const faultsFired: Record<string, number> = {};
  for (const site of FAULT_SITES) faultsFired[site] = faults.firedCount(site);
  return { events: ctx.machine.events.snapshot(), faultsFired };
}

/** Adds one to `counts[name]` for every event that fired in `run`. */
export function tallySometimes(counts: Record<string, number>, run: RunObservation): void {
  for (const event of SOMETIMES_EVENTS) if (event.fired(run)) counts[event.name] = (counts[event.name] ?? 0) + 1;
}

function statusOf(event: SometimesEvent, runs: number, profile: ProfileName, reachable: readonly OpGroup[]): SometimesStatus {
  if (runs > 0) return 'fired';
  if (event.groups.some((group) => reachable.includes(group))) return 'never';
  const inProfile: readonly OpGroup[] = PROFILES[profile];
  return event.groups.some((group) => inProfile.includes(group)) ? 'not-registered' : 'outside-profile';
}

/** The sometimes table of a campaign: every declared event with its run count and status for `profile`. */
export function sometimesReport(counts: Readonly<Record<string, number>>, profile: ProfileName, specs: readonly { readonly group?: OpGroup }[] = OP_SPECS): SometimesReport[] {
  const reachable = reachableGroups(profile, specs);
  return SOMETIMES_EVENTS.map((event) => {
    const runs = counts[event.name] ?? 0;
    return { name: event.name, description: event.description, runs, status: statusOf(event, runs, profile, reachable) };
  });
}

/** One warning line per reachable event that never fired. */
export function sometimesWarnings(report: readonly SometimesReport[]): string[] {
  return report.filter((line) => line.status === 'never').map((line) => `sometimes event "${line.name}" never fired (${line.description})`);
}
