// A read-only spy on the run's ContigAllocator instance: records every alloc_contig_range call (arguments, what the range held before, the report, the result) and checks each call on the spot — migratetypes restored, nothing taken partially or behind the caller's back, movable pages moved out intact, bounded migration rounds, fast mode draining nothing, errnos as documented.
//
// Why a spy: cma_alloc, cma_alloc_bulk and alloc_contig_pages call alloc_contig_range internally and
// expose only the last call's report; wrapping the one instance the run drives sees every call
// (kernel-reference 7, 8, 16-22, 45, 46) without a probe log in src/. It forwards arguments and
// result unchanged.
import type { Errno, Result } from '../../../src/base/errno.ts';
import { PAGEBLOCK_NR_PAGES, type Pfn } from '../../../src/base/units.ts';
import type { ContigMode, ContigRangeOptions, ContigReport } from '../../../src/contig/alloc-contig.ts';
import { MIGRATETYPE_NAMES, type Migratetype } from '../../../src/mem/migratetype.ts';
import type { OwnerId } from '../../../src/mem/owners.ts';
import { PAGE_ALLOCATED, PAGE_PCP, PAGE_STATE_NAMES } from '../../../src/mem/page-state.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import type { HarnessMachine } from '../../harness-machine.ts';
import type { OpContext } from '../op.ts';

/** Pages isolate_migratepages_range hands to one migrate_pages batch (COMPACT_CLUSTER_MAX). */
export const MIGRATE_BATCH_PAGES = 32;
/** Migration tries without progress before EBUSY in normal mode (6.1's 5). */
export const NORMAL_MODE_TRIES = 5;

/** A user page that sat in a range before a call: where it must still be mapped, intact. */
interface MovableBefore {
  readonly owner: OwnerId;
  readonly slot: number;
  /** The content the model expects, or -1 for a mapping the harness does not track. */
  readonly tag: number;
}

/** One recorded alloc_contig_range call. */
export interface ContigCall {
  readonly pfnStart: Pfn;
  readonly pfnEnd: Pfn;
  readonly migratetype: Migratetype;
  readonly mode: ContigMode;
  readonly owner: OwnerId;
  /** 'ok' or the errno. */
  readonly result: 'ok' | Errno;
  /** The allocator's report (undefined for EINVAL, which returns before one is made). */
  readonly report: ContigReport | undefined;
  /** Mapped user pages in [pfnStart, pfnEnd) before the call. */
  readonly mappedPages: number;
  /** Of those, the ones migration could isolate right away (on the LRU, not pinned). */
  readonly isolatablePages: number;
}

/** What the spy needs to know about the harness's user mappings (the expected content of a slot). */
export interface SlotTags {
  tagOf(owner: OwnerId, slot: number): number | undefined;
}

/** The state of the pageblocks around one call, taken before it. */
interface Before {
  readonly blockStart: Pfn;
  readonly blockEnd: Pfn;
  readonly migratetypes: Migratetype[];
  /** The page state of every page of the widened range. */
  readonly states: Uint8Array;
  readonly movable: MovableBefore[];
  readonly mappedPages: number;
  readonly isolatablePages: number;
  /** Pages of [pfnStart, pfnEnd) on per-CPU lists: in fast mode they may become migration targets, and so sources again. */
  readonly pcpPages: number;
  readonly lruPending: number;
  readonly fatalFired: number;
}

/** Records and checks every alloc_contig_range call of one run. */
export class ContigSpy {
  /** Calls since the last reset(), in order (checked runs only: an unchecked run records nothing). */
  readonly calls: ContigCall[] = [];
  /** The first broken invariant any call showed since the last reset(). */
  failure: InvariantFailure | undefined;

  constructor(private readonly ctx: OpContext, private readonly tags: SlotTags) {}

  /** Forgets the recorded calls and failure (the layer does this after every op). */
  reset(): void {
    this.calls.length = 0;
    this.failure = undefined;
  }

  /** Wraps `machine.contig.allocContigRange` of this run's machine. */
  install(machine: HarnessMachine): void {
    const contig = machine.contig;
    const original = contig.allocContigRange.bind(contig);
    contig.allocContigRange = (pfnStart, pfnEnd, migratetype, mode, owner, options?: ContigRangeOptions) => {
      if (!this.ctx.checking) return options === undefined ? original(pfnStart, pfnEnd, migratetype, mode, owner) : original(pfnStart, pfnEnd, migratetype, mode, owner, options);
      const before = this.snapshot(pfnStart, pfnEnd);
      const result = options === undefined ? original(pfnStart, pfnEnd, migratetype, mode, owner) : original(pfnStart, pfnEnd, migratetype, mode, owner, options);
      this.record({ pfnStart, pfnEnd, migratetype, mode, owner }, result, before);
      return result;
    };
  }

  private record(args: Pick<ContigCall, 'pfnStart' | 'pfnEnd' | 'migratetype' | 'mode' | 'owner'>, result: Result<ContigReport>, before: Before | undefined): void {
    const report = result.ok ? result.value : (result.errno === 'EINVAL' ? undefined : this.ctx.machine.contig.lastReport);
    const call: ContigCall = {
      ...args, result: result.ok ? 'ok' : result.errno, report, mappedPages: before?.mappedPages ?? 0, isolatablePages: before?.isolatablePages ?? 0,
    };
    this.calls.push(call);
    if (before === undefined || this.failure !== undefined) return;
    this.failure = this.checkCall(call, before);
  }

  /** What the pageblocks of the call's range hold before it (O(pages of those pageblocks)); undefined for a range outside the table (EINVAL). */
  private snapshot(pfnStart: Pfn, pfnEnd: Pfn): Before | undefined {
    const { machine } = this.ctx;
    const table = machine.buddy.table;
    if (!Number.isSafeInteger(pfnStart) || !Number.isSafeInteger(pfnEnd) || pfnStart >= pfnEnd || !table.inRange(pfnStart) || !table.inRange(pfnEnd - 1)) return undefined;
    const blockStart = Math.max(pfnStart - (pfnStart % PAGEBLOCK_NR_PAGES), table.pfnBase);
    const blockEnd = Math.min(Math.ceil(pfnEnd / PAGEBLOCK_NR_PAGES) * PAGEBLOCK_NR_PAGES, table.pfnEnd);
    const migratetypes: Migratetype[] = [];
    for (let pfn = blockStart; pfn < blockEnd; pfn += PAGEBLOCK_NR_PAGES) migratetypes.push(machine.buddy.pageblockMigratetype(pfn));
    const states = table.state.slice(table.pageIndex(blockStart), table.pageIndex(blockEnd));
    const movable: MovableBefore[] = [];
    let isolatablePages = 0;
    let pcpPages = 0;
    for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
      if (states[pfn - blockStart] === PAGE_PCP) pcpPages++;
      const where = machine.user.rmap(pfn);
      if (where === undefined) continue;
      if (machine.user.isIsolatable(pfn)) isolatablePages++;
      movable.push({ owner: where.owner, slot: where.slot, tag: this.tags.tagOf(where.owner, where.slot) ?? -1 });
    }
    return {
      blockStart, blockEnd, migratetypes, states, movable, mappedPages: movable.length, isolatablePages, pcpPages,
      lruPending: machine.user.lruPendingPages(), fatalFired: machine.env.faults.firedCount('fatal_signal'),
    };
  }

  private checkCall(call: ContigCall, before: Before): InvariantFailure | undefined {
    this.ctx.checks += 6;
    return this.checkErrno(call, before) ??
      this.checkMigratetypes(call, before) ??
      this.checkPagesTaken(call, before) ??
      this.checkMovedOut(call, before) ??
      this.checkRounds(call, before);
  }

  /** Errnos as documented; EINTR exactly when this call consumed a pending fatal signal; ENOMEM only with pages to migrate. */
  private checkErrno(call: ContigCall, before: Before): InvariantFailure | undefined {
    const where = `alloc_contig_range [${call.pfnStart}, ${call.pfnEnd})`;
    if (call.result !== 'ok' && !['EBUSY', 'ENOMEM', 'EINVAL', 'EINTR'].includes(call.result)) {
      return fail('contig-errno', `${where} failed with ${call.result}`, { expected: 'EBUSY, ENOMEM, EINVAL or EINTR', actual: call.result });
    }
    const fired = this.ctx.machine.env.faults.firedCount('fatal_signal') - before.fatalFired;
    if ((call.result === 'EINTR') !== (fired === 1) || fired > 1) {
      return fail('contig-errno', `${where} returned ${call.result} while ${fired} fatal signals were consumed`, { expected: fired === 1 ? 'EINTR' : 'not EINTR', actual: call.result, fatalSignalsConsumed: fired });
    }
    if (call.result === 'ENOMEM' && before.mappedPages === 0) {
      return fail('contig-no-target', `${where} returned ENOMEM but no page in it needed a migration target`, { expected: 'EBUSY or success', actual: 'ENOMEM', mappedPages: 0 });
    }
    return undefined;
  }

  /** Kernel-reference 20: every pageblock of the widened range has the migratetype it had before the call. */
  private checkMigratetypes(call: ContigCall, before: Before): InvariantFailure | undefined {
    const buddy = this.ctx.machine.buddy;
    for (let i = 0; i < before.migratetypes.length; i++) {
      const pfn = before.blockStart + i * PAGEBLOCK_NR_PAGES;
      const now = buddy.pageblockMigratetype(pfn);
      const was = before.migratetypes[i] as Migratetype;
      if (now === was) continue;
      return fail('contig-migratetypes', `pageblock ${pfn} is ${MIGRATETYPE_NAMES[now]} after alloc_contig_range [${call.pfnStart}, ${call.pfnEnd}) returned ${call.result}; it was ${MIGRATETYPE_NAMES[was]}`, {
        pfn, expected: MIGRATETYPE_NAMES[was], actual: MIGRATETYPE_NAMES[now],
      });
    }
    return undefined;
  }

  /**
   * Kernel-reference 16/20: on success [pfnStart, pfnEnd) is the caller's (order-0 pages, refcount 1);
   * otherwise none of it is. No page of the widened range that was free in the buddy before is allocated
   * now (surplus pages went back; migration targets never come from an isolated pageblock), nor one that
   * sat on a per-CPU list, except in fast mode: without drain_all_pages a per-CPU page of an isolated
   * pageblock can still be handed out as a migration target (then test_pages_isolated fails: EBUSY).
   */
  private checkPagesTaken(call: ContigCall, before: Before): InvariantFailure | undefined {
    const table = this.ctx.machine.buddy.table;
    for (let pfn = before.blockStart; pfn < before.blockEnd; pfn++) {
      const index = table.pageIndex(pfn);
      const inRange = pfn >= call.pfnStart && pfn < call.pfnEnd;
      const callers = table.state[index] === PAGE_ALLOCATED && table.owner[index] === call.owner;
      if (inRange && call.result === 'ok') {
        if (callers && table.refcount[index] === 1) continue;
        return fail('contig-range', `pfn ${pfn} of the range alloc_contig_range [${call.pfnStart}, ${call.pfnEnd}) returned is not the caller's page`, {
          pfn, expected: `allocated to ${call.owner}, refcount 1`, actual: `state ${table.state[index]} owner ${table.owner[index]} refcount ${table.refcount[index]}`,
        });
      }
      if (inRange && callers) return fail('contig-range', `alloc_contig_range [${call.pfnStart}, ${call.pfnEnd}) failed with ${call.result} but left pfn ${pfn} allocated to the caller`, { pfn, expected: 'not the caller\'s', actual: `allocated to ${call.owner}` });
      const was = before.states[pfn - before.blockStart];
      const mayBeTaken = was === PAGE_ALLOCATED || (was === PAGE_PCP && call.mode === 'fast');
      if (!mayBeTaken && table.state[index] === PAGE_ALLOCATED) {
        return fail('contig-migratetypes', `pfn ${pfn} was ${PAGE_STATE_NAMES[was as number]} before alloc_contig_range [${call.pfnStart}, ${call.pfnEnd}) ${call.mode} and is allocated (owner ${table.owner[index]}) after it returned ${call.result}`, {
          pfn, expected: 'free', actual: `allocated to ${table.owner[index]}`,
        });
      }
    }
    return undefined;
  }

  /**
   * Kernel-reference 16: after a success every user page that was in the range is mapped outside the
   * isolated pageblocks, same owner, same content. In fast mode only outside the range itself: without
   * drain_all_pages a per-CPU page of an isolated pageblock can become a migration target.
   */
  private checkMovedOut(call: ContigCall, before: Before): InvariantFailure | undefined {
    if (call.result !== 'ok') return undefined;
    const { machine } = this.ctx;
    const table = machine.buddy.table;
    const [fenceStart, fenceEnd] = call.mode === 'fast' ? [call.pfnStart, call.pfnEnd] : [before.blockStart, before.blockEnd];
    for (const page of before.movable) {
      if (machine.user.mapping(page.owner) === undefined) continue;
      const pfn = machine.user.pfnOf(page.owner, page.slot);
      const index = table.pageIndex(pfn);
      const outside = pfn < fenceStart || pfn >= fenceEnd;
      const intact = table.state[index] === PAGE_ALLOCATED && table.owner[index] === page.owner && (page.tag < 0 || table.content[index] === page.tag);
      if (outside && intact) continue;
      return fail('contig-range', `slot ${page.slot} of owner ${page.owner} was in [${call.pfnStart}, ${call.pfnEnd}); after the range was taken it maps pfn ${pfn}${outside ? '' : ` inside [${fenceStart}, ${fenceEnd})`} holding tag ${table.content[index]} owner ${table.owner[index]}`, {
        pfn, expected: { outside: `[${fenceStart}, ${fenceEnd})`, tag: page.tag, owner: page.owner }, actual: { tag: table.content[index], owner: table.owner[index] },
      });
    }
    return undefined;
  }

  /**
   * Kernel-reference 18/46: at most 5 migrate_pages calls per batch (normal), one per batch and no drain
   * at all (fast). Fast mode's batches also count pages that may arrive as migration targets from the
   * range's per-CPU pages (the scan only moves forward, so each can be isolated once).
   */
  private checkRounds(call: ContigCall, before: Before): InvariantFailure | undefined {
    const report = call.report;
    if (report === undefined) return undefined;
    const where = `alloc_contig_range [${call.pfnStart}, ${call.pfnEnd}) ${call.mode}`;
    if (call.mode === 'fast') {
      const batches = Math.ceil((before.isolatablePages + before.pcpPages) / MIGRATE_BATCH_PAGES);
      const lruPending = this.ctx.machine.user.lruPendingPages();
      if (report.drained || lruPending !== before.lruPending) {
        return fail('cma-bulk-fast', `${where} drained (per-CPU lists: ${report.drained}; LRU-add batches ${before.lruPending} → ${lruPending} pages)`, { expected: 'no drain', actual: { drained: report.drained, lruPendingBefore: before.lruPending, lruPendingAfter: lruPending } });
      }
      if (report.migrationRounds > batches) return fail('cma-bulk-fast', `${where} made ${report.migrationRounds} migration rounds for ${before.isolatablePages} isolatable pages and ${before.pcpPages} per-CPU pages (${batches} batches)`, { expected: `<= ${batches}`, actual: report.migrationRounds });
      return undefined;
    }
    const limit = NORMAL_MODE_TRIES * Math.ceil(before.mappedPages / MIGRATE_BATCH_PAGES);
    if (report.migrationRounds <= limit) return undefined;
    return fail('contig-pinned', `${where} made ${report.migrationRounds} migration rounds for ${before.mappedPages} mapped pages`, { expected: `<= ${limit}`, actual: report.migrationRounds });
  }
}
