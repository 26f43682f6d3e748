// Every contig/CMA invariant shown firing on a crafted bad state (kernel-reference 1-13, 16-23, 45, 46, and the user-page checks); the canaries show them through whole runs.
import { describe, expect, it } from 'vitest';
import { MIGRATE_CMA, MIGRATE_MOVABLE } from '../../src/mem/migratetype.ts';
import { checkCmaCounters, checkEarlyFailure, checkFailureAtomic, checkFirstFit, checkProbeOrder, checkRetryErrnos, type CmaCallRecord } from '../../properties/invariants/cma-alloc.ts';
import { checkBitmapAgrees, checkBitsClaimed, checkCmaAlignment, checkContainment, checkPartialBit } from '../../properties/invariants/cma-bitmap.ts';
import { checkBulkContract } from '../../properties/invariants/cma-bulk.ts';
import { checkInvalidRelease, checkReleased, releaseSnapshot } from '../../properties/invariants/cma-release.ts';
import { checkContigCandidates, checkPredictedBusy, kernelAlign } from '../../properties/invariants/contig-range.ts';
import { checkLongtermPlacement, checkPinnedSlots } from '../../properties/invariants/longterm-pin.ts';
import { checkSlots, checkUserOwnership } from '../../properties/invariants/user-pages.ts';
import { CmaAreaModel } from '../../properties/model/cma-model.ts';
import { contigLayer } from '../../properties/ops/contig/contig-layer.ts';
import type { ContigCall } from '../../properties/ops/contig/contig-spy.ts';
import { started } from './harness-fixtures.ts';

const CONFIG = { banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }], cpus: 1, cmdline: 'cma=8M' };

function setup() {
  const { ctx } = started(CONFIG);
  const layer = contigLayer(ctx);
  const area = layer.cma.areas[0]!;
  const real = ctx.machine.cma.area(area.name)!;
  return { ctx, layer, area, real };
}

function call(overrides: Partial<ContigCall>): ContigCall {
  return { pfnStart: 0, pfnEnd: 1, migratetype: MIGRATE_CMA, mode: 'normal', owner: 1, result: 'ok', report: undefined, mappedPages: 0, isolatablePages: 0, ...overrides };
}

describe('CMA bitmap invariants (1-4, 13)', () => {
  it('1 and 2: bits claimed twice, and a bitmap holding bits no live allocation holds', () => {
    const { ctx, layer, area, real } = setup();
    layer.addCma({ kind: 'alloc', area, owner: 1, alignOrder: 0, ranges: [{ pfn: area.basePfn, pageCount: 4 }], releases: [{ pfn: area.basePfn, pageCount: 4 }] });
    expect(checkBitsClaimed(ctx, area, real, area.basePfn + 2, 1)?.invariant).toBe('cma-bits-claimed');
    expect(checkBitmapAgrees(ctx, area, real, layer.cma.heldRanges(area))).toMatchObject({ invariant: 'cma-bitmap', details: { expected: 4, actual: 0 } });
  });

  it('3, 4 and 13: containment, alignment for any base (the 2017 case), and the last bit\'s spare pages', () => {
    const { ctx } = setup();
    const doug = new CmaAreaModel({ name: 'm', pfnStart: 0x2f800, pfnEnd: 0x2f800 + 8192, orderPerBit: 0 });
    expect(doug.alignedOffset(13)).toBe(0x1800);
    expect(checkCmaAlignment(ctx, doug, 0x30000, 13)).toBeUndefined();
    expect(checkCmaAlignment(ctx, doug, 0x31000, 13)?.invariant).toBe('cma-alignment');
    expect(checkContainment(ctx, doug, 0x2f800 + 8190, 4)?.invariant).toBe('cma-containment');
    const coarse = new CmaAreaModel({ name: 'q', pfnStart: 4096, pfnEnd: 6144, orderPerBit: 2 });
    expect(checkCmaAlignment(ctx, coarse, 4098, 1)?.invariant).toBe('cma-alignment');
    const owner = ctx.machine.owners.register('cma', 'test');
    expect(ctx.machine.contig.allocContigRange(6144 - 8, 6144, MIGRATE_CMA, 'normal', owner).ok).toBe(true);
    expect(checkPartialBit(ctx, coarse, 6144 - 8, 5, owner)?.invariant).toBe('cma-partial-bit');
  });
});

describe('cma_alloc call invariants (5-9, 12)', () => {
  const { ctx, area, real } = setup();
  const record = (overrides: Partial<CmaCallRecord>): CmaCallRecord => ({ area, real, request: { pageCount: 4, alignOrder: 0 }, calls: [], result: { errno: 'ENOMEM' }, ...overrides });

  it('5: an early failure that called alloc_contig_range', () => {
    expect(checkEarlyFailure(ctx, record({ request: { pageCount: 0, alignOrder: 0 }, calls: [call({ pfnStart: area.basePfn })] }))?.invariant).toBe('cma-early-failure');
  });

  it('7: a first probe that is not the first fit, and giving up with windows left', () => {
    expect(checkProbeOrder(ctx, record({ calls: [call({ pfnStart: area.basePfn + 8, pfnEnd: area.basePfn + 12, result: 'EBUSY' })] }))?.invariant).toBe('cma-probe-order');
    expect(checkProbeOrder(ctx, record({ calls: [] }))?.message).toMatch(/gave up with ENOMEM although bit 0/);
  });

  it('8: a retry after ENOMEM, and a result that is not the last probe\'s', () => {
    const calls = [call({ pfnStart: area.basePfn, result: 'ENOMEM' }), call({ pfnStart: area.basePfn + 4 })];
    expect(checkRetryErrnos(ctx, record({ calls, result: { pfn: area.basePfn + 4 } }))?.invariant).toBe('cma-retry-errno');
    expect(checkRetryErrnos(ctx, record({ calls: [call({ pfnStart: area.basePfn, result: 'EBUSY' })], result: { errno: 'EINTR' } }))?.invariant).toBe('cma-retry-errno');
  });

  it('6: an idle first window not taken', () => {
    expect(checkFirstFit(ctx, record({ result: { pfn: area.basePfn + 4 } }), { bit: 0, idle: true, userPages: 0 })?.invariant).toBe('cma-first-fit');
    expect(checkFirstFit(ctx, record({ result: { errno: 'ENOMEM' } }), { bit: 0, idle: true, userPages: 3 })).toBeUndefined();
  });

  it('9 and 12: bits left set after a failure, and counters the model does not expect', () => {
    real.bitmap.reserve(100, 2);
    expect(checkFailureAtomic(ctx, record({}), [])?.invariant).toBe('cma-failure-atomic');
    real.bitmap.clearPages(area.pfnOfBit(100), 2);
    area.failedPages += 7;
    expect(checkCmaCounters(ctx, area, real)).toMatchObject({ invariant: 'cma-counters', details: { counter: 'failed' } });
    area.failedPages -= 7;
    expect(checkCmaCounters(ctx, area, real)).toBeUndefined();
  });
});

describe('cma_release invariants (10, 11)', () => {
  it('10: a refused release; 11: an invalid release that returned true or changed the counter', () => {
    const { ctx, layer, area, real } = setup();
    const allocation = layer.addCma({ kind: 'alloc', area, owner: 1, alignOrder: 0, ranges: [{ pfn: area.basePfn, pageCount: 2 }], releases: [{ pfn: area.basePfn, pageCount: 2 }] });
    expect(checkReleased(ctx, allocation, real, [false])?.invariant).toBe('cma-release');
    const before = releaseSnapshot(area, real, undefined);
    expect(checkInvalidRelease(ctx, area.name, real, true, before, 'pfn -1')?.invariant).toBe('cma-invalid-release');
    real.nrPagesReleased += 1n;
    expect(checkInvalidRelease(ctx, area.name, real, false, before, 'pfn -1')?.invariant).toBe('cma-invalid-release');
  });
});

describe('alloc_contig_range and alloc_contig_pages (17-19, 22)', () => {
  it('17/19: a success (or a migration) despite a reason to fail at isolation; 18: a success despite a pin', () => {
    const { ctx } = setup();
    const isolated = { invariant: 'contig-isolated' as const, text: 'isolated', beforeMigration: true };
    expect(checkPredictedBusy(ctx, isolated, call({ result: 'ok' }), 0)?.invariant).toBe('contig-isolated');
    expect(checkPredictedBusy(ctx, { ...isolated, invariant: 'contig-unmovable' }, call({ result: 'EBUSY', report: { pfnStart: 0, pfnEnd: 1, migratetype: MIGRATE_MOVABLE, mode: 'normal', drained: true, migrationRounds: 2, migratedPages: 3 } }), 0)?.invariant).toBe('contig-unmovable');
    expect(checkPredictedBusy(ctx, { invariant: 'contig-pinned', text: 'pinned', beforeMigration: false }, call({ result: 'ok' }), 0)?.invariant).toBe('contig-pinned');
    expect(checkPredictedBusy(ctx, { invariant: 'contig-pinned', text: 'pinned', beforeMigration: false }, call({ result: 'ENOMEM' }), 0)).toBeUndefined();
  });

  it('22: a candidate off the ALIGN(zone_start, nr) + k·nr grid, or on reserved pages', () => {
    const { ctx } = setup();
    const zones = [{ pfnStart: 0, pfnEnd: 8192 }];
    expect(kernelAlign(1000, 64)).toBe(1024);
    expect(checkContigCandidates(ctx, 64, 0, zones, [call({ pfnStart: 2050, pfnEnd: 2114, migratetype: MIGRATE_MOVABLE, result: 'EBUSY' })], { errno: 'ENOMEM' })?.invariant).toBe('contig-candidates');
    expect(checkContigCandidates(ctx, 64, 0, zones, [call({ pfnStart: 0, pfnEnd: 64, migratetype: MIGRATE_MOVABLE, result: 'EBUSY' })], { errno: 'ENOMEM' })?.message).toMatch(/reserved page 0/);
    expect(checkContigCandidates(ctx, 64, 0, zones, [call({ pfnStart: 2048, pfnEnd: 2112, migratetype: MIGRATE_MOVABLE })], { pfn: 2048 })).toBeUndefined();
  });
});

describe('pins (23) and user pages', () => {
  it('23: a short pin count, a CMA page pinned long-term, and a page moved although the switch says pin in place', () => {
    const { ctx, area } = setup();
    expect(checkPinnedSlots(ctx, { requested: 3, pfns: [1, 2], slotPfns: [1, 2, 3], pfnsBefore: [1, 2, 3], migratedEvents: 0 })?.invariant).toBe('longterm-pin');
    const inCma = { requested: 1, pfns: [area.basePfn], slotPfns: [area.basePfn], pfnsBefore: [area.basePfn], migratedEvents: 0 };
    expect(checkLongtermPlacement(ctx, inCma, true)?.message).toMatch(/in CMA area reserved/);
    expect(checkLongtermPlacement(ctx, inCma, false)).toBeUndefined();
    expect(checkLongtermPlacement(ctx, { ...inCma, pfns: [5000], pfnsBefore: [area.basePfn], migratedEvents: 1 }, false)?.invariant).toBe('longterm-pin');
  });

  it('user pages: content changed behind the model, and a page of a mapping owner that no slot holds', () => {
    const { ctx, layer } = setup();
    const owner = layer.newOwner('user');
    expect(ctx.machine.user.mapPages(owner, 4).ok).toBe(true);
    const pfns = [0, 1, 2, 3].map((slot) => ctx.machine.user.pfnOf(owner, slot));
    const mapping = layer.user.addMapping({ owner, pageCount: 4, cpu: 0, backing: 'anon', pfns });
    for (let slot = 0; slot < 4; slot++) ctx.machine.user.write(owner, slot, (mapping.tags[slot] = 77 + slot));
    expect(checkSlots(ctx, mapping, 0, 4, layer.isPending)).toBeUndefined();
    ctx.machine.user.write(owner, 2, 12345);
    expect(checkSlots(ctx, mapping, 0, 4)).toMatchObject({ invariant: 'user-pages', details: { expected: { tag: 79 } } });
    expect(ctx.machine.buddy.allocPages(0, 0, { owner }).ok).toBe(true);
    expect(checkUserOwnership(ctx, layer.user, new Set())?.message).toMatch(/leaked/);
  });
});

describe('cma_alloc_bulk (45)', () => {
  it('counts, alignment, overlap and probing inside a failed range', () => {
    const { ctx, area } = setup();
    const bulk = { area, order: 4, alignOrder: 4, nrRequests: 2, mode: 'normal' as const, chunks: [area.basePfn], nrAllocated: 1, errno: undefined, calls: [] };
    expect(checkBulkContract(ctx, bulk)?.message).toMatch(/returned 0 with 1 allocated/);
    expect(checkBulkContract(ctx, { ...bulk, chunks: [area.basePfn + 8, area.basePfn + 16], nrAllocated: 2 })?.message).toMatch(/not aligned/);
    expect(checkBulkContract(ctx, { ...bulk, chunks: [area.basePfn + 16, area.basePfn + 16], nrAllocated: 2 })?.message).toMatch(/overlaps/);
    const calls = [call({ pfnStart: area.basePfn, pfnEnd: area.basePfn + 32, result: 'EBUSY' }), call({ pfnStart: area.basePfn + 16, pfnEnd: area.basePfn + 48 })];
    expect(checkBulkContract(ctx, { ...bulk, chunks: [area.basePfn + 16, area.basePfn + 32], nrAllocated: 2, calls })?.message).toMatch(/starts inside or before/);
  });
});
