// The heapAlloc op: open("/dev/dma_heap/NAME") + DMA_HEAP_IOCTL_ALLOC on a heap chosen by index, with lengths from 0 to wrapping u64 values, valid and invalid fd/heap flags; checks the ioctl rules, the hand-out (31-34, 36, 38, 44, 48) or the rollback (35), and records the buffer.
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Errno } from '../../../src/base/errno.ts';
import { PAGE_SIZE } from '../../../src/base/units.ts';
import type { DmaBuf } from '../../../src/heaps/dma-buf.ts';
import { heapsConfigOf } from '../../../src/machine/config.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { checkAllocRolledBack, checkIoctlRejected } from '../../invariants/heap-failure.ts';
import { checkBufferShape, checkHandoutPages, checkNoHighOrderReclaim, expectedSizePages, ordersText, type Handout } from '../../invariants/heap-handout.ts';
import { plentyForGreedy } from '../../invariants/heap-plenty.ts';
import { checkPoolHits } from '../../invariants/pool-hits.ts';
import type { ModelChunk } from '../../model/heap-model.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec, type OpSwarm } from '../op.ts';
import { takeAllocBefore } from './alloc-before.ts';
import { CMA_OP_SPECS } from '../cma/cma-ops.ts';
import { CONTIG_OP_SPECS } from '../contig/contig-ops.ts';
import type { HeapEntry } from './heap-catalog.ts';
import { heapLayerOf, type HeapLayer } from './heap-layer.ts';
import { takeHeapSnapshot } from './heap-snapshot.ts';

const U64_MAX = (1n << 64n) - 1n;
const u64Text = z.string().regex(/^\d{1,20}$/, { error: 'expected a decimal u64' }).refine((text) => BigInt(text) <= U64_MAX, { error: 'above 2^64 - 1' });

const schema = z.strictObject({
  op: z.literal('heapAlloc'),
  heap: z.number().int().min(0).max(1023),
  len: u64Text,
  fdFlags: z.number().int().min(0).max(0xffff_ffff),
  heapFlags: u64Text.optional(),
  fd: z.number().int().min(0).max(0xffff_ffff).optional(),
  among: z.literal('noCma').optional(),
});

/**
 * `{ "op": "heapAlloc", "heap": 0, "len": "69632", "fdFlags": 524290 }`: the heap is `heap` modulo the
 * registered heaps (minor order), or with `"among": "noCma"` modulo the heaps no CMA area backs; `len`
 * is the u64 len as decimal text; `heapFlags` and the input `fd` default to 0.
 */
export type HeapAllocOp = z.infer<typeof schema>;

/** O_CLOEXEC | O_ACCMODE: the fd flags the ioctl accepts. */
const VALID_FD_FLAGS = 0x80000 | 3;
const MIB = 2 ** 20;

function lenArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 64 }).map((pages) => pages * PAGE_SIZE), weight: 12 },
    { arbitrary: fc.integer({ min: 1, max: 300_000 }), weight: 12 },
    { arbitrary: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -PAGE_SIZE, max: PAGE_SIZE })).map(([mib, delta]) => mib * MIB + delta), weight: 6 },
    { arbitrary: fc.integer({ min: 5, max: 96 }).map((mib) => mib * MIB), weight: 2 },
    { arbitrary: fc.constant(0), weight: 1 },
    { arbitrary: fc.constantFrom(2n ** 40n, 2n ** 63n, U64_MAX - 4095n, U64_MAX - 4094n, U64_MAX), weight: 1 },
  ).map((len) => String(len));
}

function fdFlagsArbitrary(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(0x80002, 2), weight: 16 },
    { arbitrary: fc.constantFrom(0, 1, 3, 0x80000, 0x80001, 0x80003), weight: 6 },
    { arbitrary: fc.constantFrom(0x800, 0x40000, 0x80102, 0x4000_0000), weight: 1 },
  );
}

/** Now and then a non-zero heap_flags or input fd (each EINVAL); shrinks to neither. */
function extrasArbitrary(): fc.Arbitrary<Pick<HeapAllocOp, 'heapFlags' | 'fd'>> {
  return fc.oneof(
    { arbitrary: fc.constant({}), weight: 28 },
    { arbitrary: fc.constantFrom('1', '9223372036854775808').map((heapFlags) => ({ heapFlags })), weight: 1 },
    { arbitrary: fc.constantFrom(1, 3).map((fd) => ({ fd })), weight: 1 },
  );
}

/**
 * Why `among`: the contig layer's CMA model assumes it alone sets CMA bitmap bits, so in a run whose
 * swarm turns on any contig or CMA op, buffers come only from heaps no CMA area backs.
 */
function sharesCma(swarm: OpSwarm): boolean {
  return [...CONTIG_OP_SPECS, ...CMA_OP_SPECS].some((spec) => (swarm.weights[spec.kind] ?? 0) > 0);
}

function arbitrary(swarm: OpSwarm): fc.Arbitrary<HeapAllocOp> {
  const among = sharesCma(swarm) ? { among: 'noCma' as const } : {};
  return fc.tuple(fc.nat({ max: 31 }), lenArbitrary(), fdFlagsArbitrary(), extrasArbitrary())
    .map(([heap, len, fdFlags, extras]) => ({ op: 'heapAlloc' as const, heap, len, fdFlags, ...extras, ...among }));
}

/** The heaps `among` chooses from, in minor order. */
function candidates(layer: HeapLayer, among: HeapAllocOp['among']): HeapEntry[] {
  const entries = layer.catalog.entries;
  return among === 'noCma' ? entries.filter((entry) => entry.area === undefined) : entries;
}

/** PAGE_ALIGN(len) in u64 arithmetic (0 when it wraps), re-derived rather than imported. */
function pageAlign(len: bigint): bigint {
  return (len + 4095n) & ~4095n & U64_MAX;
}

/** Why the ioctl must reject the call with EINVAL before allocating (6.1 order), or undefined. */
function ioctlRejection(op: HeapAllocOp): string | undefined {
  if ((op.fd ?? 0) !== 0) return `input fd ${op.fd}`;
  if ((op.fdFlags & ~VALID_FD_FLAGS) !== 0) return `fd_flags 0x${op.fdFlags.toString(16)}`;
  if (BigInt(op.heapFlags ?? '0') !== 0n) return `heap_flags ${op.heapFlags}`;
  if (pageAlign(BigInt(op.len)) === 0n) return `len ${op.len} (PAGE_ALIGN wraps to 0)`;
  return undefined;
}

/** Half of RAM when the system heaps' size cap is on. */
function capPagesOf(layer: HeapLayer): number | undefined {
  return heapsConfigOf(layer.machine.config).system.sizeCap ? Math.floor(layer.machine.buddy.managedPages() / 2) : undefined;
}

/** The failure the model knows must happen, or undefined. */
function predictedFailure(layer: HeapLayer, entry: HeapEntry, pages: number): { errno: Errno; why: string } | undefined {
  if (entry.kind === 'system') {
    const cap = capPagesOf(layer);
    if (cap !== undefined && pages > cap) return { errno: 'ENOMEM', why: `${pages} pages exceed the half-of-RAM cap ${cap}` };
    if (layer.machine.env.faults.armedCount('fatal_signal') > 0) return { errno: 'EINTR', why: 'a fatal signal is pending' };
  }
  const sizePages = pages >= Number.MAX_SAFE_INTEGER ? pages : expectedSizePages(entry, pages);
  if (entry.area !== undefined && sizePages > entry.area.pageCount) {
    return { errno: 'ENOMEM', why: `${sizePages} pages exceed the ${entry.area.pageCount}-page area` };
  }
  return undefined;
}

function checkPrediction(ctx: OpContext, predicted: { errno: Errno; why: string } | undefined, actual: Errno | 'ok'): InvariantFailure | undefined {
  if (predicted === undefined || predicted.errno === actual) return undefined;
  ctx.checks++;
  return fail('predicted-outcome', `heapAlloc: ${predicted.why}, so ${predicted.errno} was due, got ${actual}`, { expected: predicted.errno, actual });
}

function chunksOf(buf: DmaBuf): ModelChunk[] {
  return buf.chunks.map(({ pfn, order }) => ({ pfn, order }));
}

/** The hand-out checks, in the order a report is most useful; then the buffer is recorded. */
function accept(ctx: OpContext, layer: HeapLayer, entry: HeapEntry, buf: DmaBuf, handout: Handout, alloc: AllocRun): InvariantFailure | undefined {
  const failure = checkHandoutPages(ctx, handout) ?? checkBufferShape(ctx, handout)
    ?? (entry.kind === 'system' ? checkNoHighOrderReclaim(ctx, entry.name, alloc.calls) : undefined)
    ?? (entry.family === undefined ? undefined : checkPoolHits(ctx, {
      heapName: entry.name, familyIndex: layer.catalog.families.indexOf(entry.family), caching: handout.caching, chunks: handout.chunks,
      before: alloc.before.snapshot, after: takeHeapSnapshot(layer.machine, layer.catalog),
    }));
  const buffer = layer.model.add({
    heapName: entry.name, kind: entry.kind, family: entry.family?.name ?? '', caching: handout.caching, fdFlags: buf.fdFlags,
    sizeBytes: buf.sizeBytes, pageCount: buf.pageCount, chunks: handout.chunks,
  });
  layer.bufs.set(buffer.id, buf);
  return failure;
}

/** 55: an allocation that leaves a CPA pool below its low-mark wakes the refill worker. */
function checkRefillWoken(ctx: OpContext, entry: HeapEntry): InvariantFailure | undefined {
  const pool = entry.cpa;
  if (pool === undefined) return undefined;
  ctx.checks++;
  if (pool.blockCount >= pool.options.lowmark || pool.isRefillPending) return undefined;
  return fail('cpa-watermarks', `${entry.name}: the allocation left ${pool.blockCount} blocks, below the low-mark ${pool.options.lowmark}, and did not wake the refill`, { expected: 'refill pending', actual: 'idle' });
}

/** One ioctl run: what was true before it and what the reclaim probe saw. */
interface AllocRun {
  readonly before: ReturnType<typeof takeAllocBefore>;
  readonly calls: ReturnType<HeapLayer['probe']['disarm']>;
}

function apply(ctx: OpContext, op: HeapAllocOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  if (layer === undefined) return skipOutcome('no heap layers on this machine');
  const entries = candidates(layer, op.among);
  const entry = entries[op.heap % entries.length] as HeapEntry;
  const { name } = entry;
  if (entry.area !== undefined && ctx.model.layers.some((each) => each.name === 'contig')) return skipOutcome(`${name}: the contig layer models the CMA areas in this run`);
  const aligned = pageAlign(BigInt(op.len));
  const pages = aligned > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(aligned / BigInt(PAGE_SIZE));
  const rejection = ioctlRejection(op);
  const predicted = rejection === undefined ? predictedFailure(layer, entry, pages) : undefined;
  const plentiful = ctx.checking && entry.kind === 'system' && rejection === undefined && plentyForGreedy(ctx.machine, pages, capPagesOf(layer));
  const before = takeAllocBefore(layer, entry, rejection !== undefined);
  if (entry.kind === 'system') layer.probe.arm();
  const result = layer.machine.heaps.dmaHeapIoctlAlloc(name, { lenBytes: BigInt(op.len), fd: op.fd ?? 0, fdFlags: op.fdFlags, heapFlags: BigInt(op.heapFlags ?? '0') });
  const alloc: AllocRun = { before, calls: layer.probe.disarm() };
  if (entry.family !== undefined) layer.notes.allocatingCaching.set(entry.family.name, entry.caching);
  if (!ctx.checking) {
    layer.sync();
    return result.ok ? recordUnchecked(layer, entry, result.value) : errnoOutcome(result.errno, result.errno);
  }
  if (rejection !== undefined) {
    const failure = checkIoctlRejected(ctx, `${name}: ${rejection}`, result.ok ? 'ok' : result.errno, before, takeAllocBefore(layer, entry, true));
    return result.ok ? okOutcome(`${name} accepted ${rejection}`, failure) : errnoOutcome(result.errno, `${name} ${result.errno}`, failure);
  }
  if (!result.ok) {
    const failure = checkPrediction(ctx, predicted, result.errno)
      ?? (entry.kind === 'system' ? checkNoHighOrderReclaim(ctx, name, alloc.calls) : undefined)
      ?? (plentiful ? fail('predicted-outcome', `${name}: memory was plentiful for ${pages} pages but the allocation failed with ${result.errno}`, { expected: 'ok', actual: result.errno }) : undefined)
      ?? checkAllocRolledBack(ctx, name, entry.kind === 'system', result.errno, before, takeAllocBefore(layer, entry, false), entry.area === undefined ? [] : [entry.area], layer.catalog.cpaPools);
    return errnoOutcome(result.errno, `${name} ${result.errno}`, failure);
  }
  const buf = result.value;
  const handout: Handout = {
    entry, alignedPages: pages, sizeBytes: buf.sizeBytes, chunks: chunksOf(buf), usedBitsBefore: before.usedBits, plentiful,
    caching: entry.caching,
  };
  const failure = checkPrediction(ctx, predicted, 'ok') ?? accept(ctx, layer, entry, buf, handout, alloc) ?? checkRefillWoken(ctx, entry);
  const buffer = layer.model.buffers[layer.model.buffers.length - 1];
  return okOutcome(`buf#${buffer?.id} ${name} ${buf.sizeBytes} B ${ordersText(handout.chunks.map((chunk) => chunk.order))}`, failure);
}

/** The benchmark baseline: record the buffer without checks. */
function recordUnchecked(layer: HeapLayer, entry: HeapEntry, buf: DmaBuf): OpOutcome {
  const caching = entry.caching;
  const buffer = layer.model.add({
    heapName: entry.name, kind: entry.kind, family: entry.family?.name ?? '', caching, fdFlags: buf.fdFlags, sizeBytes: buf.sizeBytes, pageCount: buf.pageCount, chunks: chunksOf(buf),
  });
  layer.bufs.set(buffer.id, buf);
  return okOutcome(`buf#${buffer.id}`);
}

function describe(op: HeapAllocOp): string {
  const extra = `${op.heapFlags === undefined ? '' : ` heap_flags ${op.heapFlags}`}${op.fd === undefined ? '' : ` fd ${op.fd}`}`;
  return `heapAlloc heap ${op.heap}${op.among === undefined ? '' : ' (no CMA)'} len ${op.len} fd_flags 0x${op.fdFlags.toString(16)}${extra}`;
}

/** The heapAlloc op kind. */
export const heapAllocSpec: OpSpec<HeapAllocOp> = {
  kind: 'heapAlloc',
  group: 'heaps',
  summary: 'DMA_HEAP_IOCTL_ALLOC on a heap (index modulo the heaps); the dma-buf becomes a live buffer',
  schema,
  arbitrary,
  apply,
  describe,
};
