// Every invariant shown firing: on a crafted bad state (unit level) or through runSequence with a deliberately broken allocator subclass.
import { describe, expect, it } from 'vitest';
import { err, type Result } from '../../src/base/errno.ts';
import type { Pfn } from '../../src/base/units.ts';
import { PageAllocator, type AllocOptions } from '../../src/buddy/page-allocator.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, type Gfp } from '../../src/mem/gfp.ts';
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { auditMachine, checkModelAgreement, checkStructure } from '../../properties/invariants/audit.ts';
import { checkBulkContract } from '../../properties/invariants/bulk-contract.ts';
import { checkConservation } from '../../properties/invariants/conservation.ts';
import { checkEndState } from '../../properties/invariants/end-state.ts';
import { checkFailedOpUnchanged, takeFingerprint } from '../../properties/invariants/failed-op.ts';
import { INVARIANTS, isInvariantName } from '../../properties/invariants/failure.ts';
import { checkIntact, checkZeroed } from '../../properties/invariants/page-content.ts';
import { checkAllocatedTo, checkRefcount, checkReturned } from '../../properties/invariants/page-state.ts';
import { checkAlignment, checkPlacement } from '../../properties/invariants/placement.ts';
import { acceptBlock } from '../../properties/ops/buddy/owner-pages.ts';
import type { OpContext } from '../../properties/ops/op.ts';
import type { Op } from '../../properties/ops/registry.ts';
import { finishRun, runSequence } from '../../properties/run-sequence.ts';
import { machineWith, MOVABLE_CONFIG, SMALL_CONFIG, started, type AllocatorClass } from './harness-fixtures.ts';

/** A page allocated behind the model's back (what a leak or a stray allocation looks like). */
function allocateBehind(ctx: OpContext, gfp: Gfp = GFP_KERNEL, order = 0): Pfn {
  const owner = ctx.machine.owners.register('test', 'behind');
  const result = ctx.machine.buddy.allocPages(gfp, order, { owner });
  if (!result.ok) throw new Error(result.detail);
  return result.value;
}

/** Allocates a block and records it as a harness handle (its owner writes its tag). */
function allocateTracked(ctx: OpContext, gfp: Gfp = GFP_KERNEL, order = 0) {
  const owner = ctx.machine.owners.register('test', 'tracked');
  const result = ctx.machine.buddy.allocPages(gfp, order, { owner });
  if (!result.ok) throw new Error(result.detail);
  const accepted = acceptBlock(ctx, { pfn: result.value, order, gfp, owner, cpu: 0 });
  if (accepted.handle === undefined) throw new Error(accepted.failure?.message);
  return accepted.handle;
}

function runWith(allocatorClass: AllocatorClass, ops: Op[], config: unknown = SMALL_CONFIG) {
  return runSequence({ config, seed: 'broken', ops, auditEvery: 0, machineFactory: machineWith(allocatorClass) });
}

describe('the invariant catalogue', () => {
  it('names every invariant with a one-line description', () => {
    expect(Object.keys(INVARIANTS).length).toBeGreaterThan(15);
    expect(isInvariantName('zeroed-pages')).toBe(true);
    expect(isInvariantName('nonsense')).toBe(false);
  });
});

describe('placement', () => {
  it('alignment fires on a block that does not start at a multiple of its size', () => {
    const { ctx } = started();
    expect(checkAlignment(ctx, 1024, 3)).toBeUndefined();
    expect(checkAlignment(ctx, 1028, 3)?.invariant).toBe('alignment');
  });

  it('managed-memory fires on a boot-reserved page, no-double-ownership on a page a live handle owns', () => {
    const { ctx } = started();
    expect(checkPlacement(ctx, 0, 1, GFP_KERNEL)?.invariant).toBe('managed-memory');
    const handle = allocateTracked(ctx);
    expect(checkPlacement(ctx, handle.pfn, 1, GFP_KERNEL)?.invariant).toBe('no-double-ownership');
  });

  it('cma-migratetype fires on a CMA page for a non-movable request only', () => {
    const { ctx } = started();
    const cmaPfn = ctx.machine.layout.cma[0]!.pfnStart;
    expect(checkPlacement(ctx, cmaPfn, 4, GFP_KERNEL)).toMatchObject({ invariant: 'cma-migratetype', details: { actual: 'CMA area reserved' } });
    expect(checkPlacement(ctx, cmaPfn, 4, GFP_HIGHUSER_MOVABLE)).toBeUndefined();
  });

  it('zone-placement fires on a ZONE_MOVABLE page for a request that is not movable|highmem', () => {
    const { ctx } = started(MOVABLE_CONFIG);
    expect(checkPlacement(ctx, 4096 + 100, 1, GFP_KERNEL)?.invariant).toBe('zone-placement');
    expect(checkPlacement(ctx, 4096 + 100, 1, GFP_HIGHUSER_MOVABLE)).toBeUndefined();
  });
});

describe('page state and content', () => {
  it('page-state fires on the wrong owner, a page still allocated after a free, and a refcount the model does not predict', () => {
    const { ctx } = started();
    const handle = allocateTracked(ctx);
    expect(checkAllocatedTo(ctx, handle.pfn, 1, handle.owner)).toBeUndefined();
    expect(checkAllocatedTo(ctx, handle.pfn, 1, handle.owner + 1)?.invariant).toBe('page-state');
    expect(checkReturned(ctx, handle.pfn, 1)?.invariant).toBe('page-state');
    ctx.model.addExtraRef(handle);
    expect(checkRefcount(ctx, handle)).toMatchObject({ invariant: 'page-state', details: { expected: 2, actual: 1 } });
  });

  it('zeroed-pages fires on a page holding a previous owner\'s tag', () => {
    const { ctx } = started();
    const pfn = allocateBehind(ctx);
    expect(checkZeroed(ctx, pfn, 1)).toBeUndefined();
    ctx.machine.buddy.table.content[ctx.machine.buddy.table.pageIndex(pfn)] = 42;
    expect(checkZeroed(ctx, pfn, 1)).toMatchObject({ invariant: 'zeroed-pages', details: { expected: 0, actual: 42 } });
  });

  it('content-integrity fires when a live allocation\'s data or owner changed behind its back', () => {
    const { ctx } = started();
    const handle = allocateTracked(ctx, GFP_KERNEL, 2);
    expect(checkIntact(ctx, handle)).toBeUndefined();
    ctx.machine.buddy.table.content[ctx.machine.buddy.table.pageIndex(handle.pfn + 3)] = 0;
    expect(checkIntact(ctx, handle)?.invariant).toBe('content-integrity');
  });
});

describe('bulk-contract', () => {
  const { ctx } = started();
  const check = (before: (number | null)[], after: (number | null)[], returned: number) => checkBulkContract(ctx, { nrPages: before.length, before, after, returned })?.message;

  it('accepts a call that filled the null slots in order', () => {
    expect(check([null, -2, null], [7, -2, 8], 3)).toBeUndefined();
    expect(check([null, null, null], [7, null, null], 1)).toBeUndefined();
  });

  it('fires on each broken clause', () => {
    expect(check([null], [7], 2)).toMatch(/returned 2 for 1 slots/);
    expect(check([null, -2], [7, 9], 2)).toMatch(/pre-filled slot 1 was overwritten/);
    expect(check([null, null], [7, null], 2)).toMatch(/slot 1 is null/);
    expect(check([null, null, null], [7, null, 9], 1)).toMatch(/filled slot 2/);
  });
});

describe('counters', () => {
  it('conservation fires when the model and the allocator disagree on allocated pages', () => {
    const { ctx } = started();
    expect(checkConservation(ctx)).toBeUndefined();
    allocateBehind(ctx);
    expect(checkConservation(ctx)).toMatchObject({ invariant: 'conservation', details: { allocated: 0 } });
  });

  it('failed-op-unchanged fires when allocations changed across a failed op', () => {
    const { ctx } = started();
    const before = takeFingerprint(ctx);
    expect(checkFailedOpUnchanged(ctx, before)).toBeUndefined();
    allocateBehind(ctx);
    expect(checkFailedOpUnchanged(ctx, before)).toMatchObject({ invariant: 'failed-op-unchanged', details: { field: 'realAllocatedPages' } });
  });
});

describe('audits', () => {
  it('structural fires on a corrupted free counter', () => {
    const { ctx } = started();
    expect(auditMachine(ctx)).toBeUndefined();
    ctx.machine.buddy.zones[0]!.freeArea.nrFreePages += 1;
    expect(checkStructure(ctx)?.message).toMatch(/NR_FREE_PAGES/);
  });

  it('model-agreement fires on a leaked harness page and on a handle whose pages are not allocated', () => {
    const leak = started();
    const pfn = allocateBehind(leak.ctx);
    leak.ctx.model.harnessOwners.add(leak.ctx.machine.buddy.table.owner[leak.ctx.machine.buddy.table.pageIndex(pfn)]!);
    expect(checkModelAgreement(leak.ctx)?.message).toMatch(/no live allocation holds it/);
    const ghost = started();
    ghost.ctx.model.add({ pfn: 2048, order: 1, owner: 1, gfp: GFP_KERNEL, compound: false, cpu: 0 });
    expect(checkModelAgreement(ghost.ctx)?.message).toMatch(/pfn 2048 of #1 is free/);
  });
});

describe('end-state', () => {
  it('passes after a clean run and fires on a leak, on different free blocks, and on pageblocks not back in their boot roles', () => {
    const clean = started();
    allocateTracked(clean.ctx, GFP_KERNEL, 3);
    expect(finishRun(clean.ctx, clean.bootBlocks)).toBeUndefined();

    const leak = started();
    allocateBehind(leak.ctx);
    expect(checkEndState(leak.ctx, leak.bootBlocks)?.message).toMatch(/after releasing everything and draining: free/);

    const moved = started();
    const boot = { pfns: [...moved.bootBlocks.pfns], orders: [...moved.bootBlocks.orders] };
    boot.orders[0] = (boot.orders[0] ?? 0) - 1;
    expect(checkEndState(moved.ctx, boot)?.message).toMatch(/free blocks differ from the boot free blocks at block 0/);

    const isolated = started();
    isolated.ctx.machine.buddy.setPageblockMigratetype(2048, MIGRATE_ISOLATE);
    isolated.ctx.machine.buddy.moveFreePagesBlock(2048, MIGRATE_ISOLATE);
    expect(checkEndState(isolated.ctx, isolated.bootBlocks)?.message).toMatch(/pcp 0, isolated [1-9]/);

    const uncma = started();
    const cmaPfn = uncma.ctx.machine.layout.cma[0]!.pfnStart;
    uncma.ctx.machine.buddy.setPageblockMigratetype(cmaPfn, MIGRATE_MOVABLE);
    uncma.ctx.machine.buddy.moveFreePagesBlock(cmaPfn, MIGRATE_MOVABLE);
    expect(checkEndState(uncma.ctx, uncma.bootBlocks)?.message).toMatch(new RegExp(`pageblock at pfn ${cmaPfn} is Movable at the end \\(inside a CMA area\\)`));
  });
});

/** Frees nothing on drain. */
class NoDrain extends PageAllocator {
  override drainAllPages(): void {}
  override drainLocalPages(): void {}
}

/** Serves order-11 requests at order 10. */
class NoMaxOrder extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    return super.allocPages(gfp, Math.min(order, 10), options);
  }
}

/** Fails with EBUSY instead of ENOMEM, and takes a page while doing so. */
class LeakyFailure extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    const result = super.allocPages(gfp, order, options);
    if (result.ok) return result;
    super.allocPages(GFP_KERNEL, 0, options);
    return err('ENOMEM', 'leaky');
  }
}

/** Answers every failure with EBUSY. */
class WrongErrno extends PageAllocator {
  override allocPages(gfp: Gfp, order: number, options: AllocOptions): Result<Pfn> {
    const result = super.allocPages(gfp, order, options);
    return result.ok ? result : err('EBUSY', 'busy');
  }
}

/** Throws on free. */
class ThrowsOnFree extends PageAllocator {
  override freePages(): void {
    throw new Error('boom');
  }
}

describe('invariants through runSequence with broken allocators', () => {
  const alloc = (order: number, gfp = 'GFP_KERNEL'): Op => ({ op: 'allocPages', gfp, order, cpu: 0 });

  it('drain fires when a drain leaves per-CPU pages', () => {
    const result = runWith(NoDrain, [alloc(0), { op: 'freePages', target: 0 }, { op: 'drain' }]);
    expect(result.failure).toMatchObject({ invariant: 'drain', opIndex: 2, phase: 'op' });
  });

  it('predicted-outcome fires on an order-11 success and on an errno other than ENOMEM', () => {
    expect(runWith(NoMaxOrder, [alloc(11)]).failure).toMatchObject({ invariant: 'predicted-outcome', opIndex: 0 });
    expect(runWith(WrongErrno, [alloc(11)]).failure?.message).toMatch(/failed with EBUSY, expected ENOMEM/);
    expect(runWith(PageAllocator, [{ op: 'armFault', site: 'page_alloc', count: 1 }, alloc(0)]).failure).toBeNull();
  });

  it('failed-op-unchanged fires when a failing allocation leaves a page behind', () => {
    expect(runWith(LeakyFailure, [alloc(11)]).failure).toMatchObject({ invariant: 'failed-op-unchanged', details: { field: 'realAllocatedPages' } });
  });

  it('no-exception turns a throw into a failure at the op', () => {
    expect(runWith(ThrowsOnFree, [alloc(0), { op: 'freePages', target: 0 }]).failure).toMatchObject({ invariant: 'no-exception', opIndex: 1, message: 'Error: boom' });
  });

  it('config fires on a config that does not validate', () => {
    expect(runSequence({ config: { banks: [] }, seed: 's', ops: [], auditEvery: 0 }).failure).toMatchObject({ invariant: 'config', opIndex: -1, phase: 'boot' });
  });
});
