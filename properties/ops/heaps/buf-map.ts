// The bufMap, bufUnmap, bufWrite and bufRead ops: MAP_SHARED mappings of a live buffer with the access its fd flags allow (EACCES, EINVAL and EBADF predicted), stores of a fresh tag through a mapping, and loads checked against what the model says each page holds.
import * as fc from 'fast-check';
import { z } from 'zod';
import type { Result } from '../../../src/base/errno.ts';
import type { PageCount } from '../../../src/base/units.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import type { ModelAccess, ModelBuffer, ModelMap } from '../../model/heap-model.ts';
import { errnoOutcome, okOutcome, skipOutcome, type OpContext, type OpOutcome, type OpSpec } from '../op.ts';
import { targetArbitrary, targetField } from '../targets.ts';
import { checkRefcount, dropReference } from './buffer-refs.ts';
import { heapLayerOf, type HeapLayer } from './heap-layer.ts';

const accessField = z.enum(['r', 'w', 'rw']);
const pageField = z.number().int().min(0).max(2 ** 31 - 1);
const mapSchema = z.strictObject({ op: z.literal('bufMap'), buf: targetField, access: accessField, offset: pageField.optional(), pages: pageField.optional() });
const unmapSchema = z.strictObject({ op: z.literal('bufUnmap'), map: targetField });
const writeSchema = z.strictObject({ op: z.literal('bufWrite'), map: targetField, offset: pageField, pages: pageField });
const readSchema = z.strictObject({ op: z.literal('bufRead'), map: targetField, offset: pageField, pages: pageField });

/** `{ "op": "bufMap", "buf": 1, "access": "rw" }` maps the whole buffer; `offset`/`pages` (raw page numbers) map part of it, or past its end. */
export type BufMapOp = z.infer<typeof mapSchema>;
/** `{ "op": "bufUnmap", "map": 0 }`: munmap of a live mapping; the last reference releases the buffer. */
export type BufUnmapOp = z.infer<typeof unmapSchema>;
/** `{ "op": "bufWrite", "map": 0, "offset": 3, "pages": 2 }`: a store of a fresh tag into pages offset % size, ... of the mapping (symbolic range). */
export type BufWriteOp = z.infer<typeof writeSchema>;
/** `{ "op": "bufRead", "map": 0, "offset": 0, "pages": 8 }`: a load through the mapping, checked against the model. */
export type BufReadOp = z.infer<typeof readSchema>;

/** OPEN_FMODE(fd_flags): ((flags + 1) & O_ACCMODE), re-derived. */
function fmodeOf(fdFlags: number): { read: boolean; write: boolean } {
  const mode = (fdFlags + 1) & 3;
  return { read: (mode & 1) !== 0, write: (mode & 2) !== 0 };
}

/** What mmap must answer (dma_buf_mmap_internal + do_mmap order), or 'ok'. */
function expectedMmap(buffer: ModelBuffer, access: ModelAccess, offset: number, pages: PageCount): string {
  if (buffer.fds === 0) return 'EBADF';
  if (pages <= 0) return 'EINVAL';
  const mode = fmodeOf(buffer.fdFlags);
  if ((access !== 'r' && !mode.write) || !mode.read) return 'EACCES';
  return offset + pages > buffer.pageCount ? 'EINVAL' : 'ok';
}

function outcomeOf<T>(result: Result<T>, expected: string, what: string, detail: (value: T) => string, failure?: InvariantFailure): OpOutcome {
  const actual = result.ok ? 'ok' : result.errno;
  const mismatch = actual === expected ? failure : fail('buffer-refs', `${what} returned ${actual}, expected ${expected}`, { expected, actual });
  return result.ok ? okOutcome(detail(result.value), mismatch) : errnoOutcome(result.errno, `${what} ${result.errno}`, mismatch);
}

function applyMap(ctx: OpContext, op: BufMapOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const buffers = layer?.model.buffers ?? [];
  const buffer = buffers[op.buf % Math.max(buffers.length, 1)];
  if (layer === undefined || buffer === undefined) return skipOutcome('no live buffer');
  const offset = op.offset ?? 0;
  const pages = op.pages ?? buffer.pageCount - offset;
  const expected = expectedMmap(buffer, op.access, offset, pages);
  const buf = layer.bufOf(buffer);
  const result = buf.mmap(op.access, offset, pages);
  if (!result.ok || expected !== 'ok') return outcomeOf(result, expected, `mmap(${op.access}) of buf#${buffer.id}`, () => '');
  const map = layer.model.addMap(buffer, result.value, op.access, offset, pages);
  return okOutcome(`map#${map.id} of buf#${buffer.id} pages ${offset}+${pages}`, ctx.checking ? checkRefcount(ctx, layer, buffer, buf) : undefined);
}

function pickMap(layer: HeapLayer | undefined, target: number): ModelMap | undefined {
  const maps = layer?.model.maps ?? [];
  return maps[target % Math.max(maps.length, 1)];
}

function applyUnmap(ctx: OpContext, op: BufUnmapOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const map = pickMap(layer, op.map);
  if (layer === undefined || map === undefined) return skipOutcome('no live mapping');
  const { buffer } = map;
  const buf = layer.bufOf(buffer);
  const failure = dropReference(ctx, layer, buffer, () => buf.munmap(map.realId), () => layer.model.removeMap(map));
  return okOutcome(`map#${map.id} of buf#${buffer.id}${layer.model.refcount(buffer) === 0 ? ' released' : ''}`, failure);
}

/** The mapping's pages [first, first + count) an op's offset and count resolve to (each taken modulo what fits; 0 pages means 1). */
function rangeOf(map: ModelMap, offset: number, pages: number): { first: number; count: number } {
  const first = offset % map.pageCount;
  return { first, count: 1 + (Math.max(pages - 1, 0) % (map.pageCount - first)) };
}

function applyWrite(ctx: OpContext, op: BufWriteOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const map = pickMap(layer, op.map);
  if (layer === undefined || map === undefined) return skipOutcome('no live mapping');
  const { first, count } = rangeOf(map, op.offset, op.pages);
  const result = layer.bufOf(map.buffer).write(map.realId, first, count);
  const expected = map.access === 'r' ? 'EFAULT' : 'ok';
  if (result.ok && expected === 'ok') layer.model.noteWrite(map.buffer, map.pageOffset + first, count, result.value);
  return outcomeOf(result, expected, `store through map#${map.id}`, (tag) => `map#${map.id} of buf#${map.buffer.id} pages ${first}+${count} tag ${tag}`);
}

/** The loaded answer equals the model's, and each page of the table holds what the model says. */
function checkRead(ctx: OpContext, layer: HeapLayer, map: ModelMap, first: number, seen: { zeroPages: number; firstTag: number }, count: number): InvariantFailure | undefined {
  ctx.checks += 2;
  const { buffer } = map;
  const start = map.pageOffset + first;
  const tags = buffer.expected.subarray(start, start + count);
  const zeroPages = tags.filter((tag) => tag === 0).length;
  const firstTag = tags.find((tag) => tag !== 0) ?? 0;
  if (seen.zeroPages !== zeroPages || seen.firstTag !== firstTag) {
    return fail('buffer-content', `load through map#${map.id} of buf#${buffer.id} pages ${first}+${count} saw ${seen.zeroPages} zero pages (first tag ${seen.firstTag}), expected ${zeroPages} (first tag ${firstTag})`, {
      expected: { zeroPages, firstTag }, actual: seen,
    });
  }
  const table = ctx.machine.buddy.table;
  const buf = layer.bufOf(buffer);
  for (let page = start; page < start + count; page++) {
    const pfn = buf.pfnAt(page);
    const tag = table.content[table.pageIndex(pfn)] as number;
    if (tag !== buffer.expected[page]) return fail('buffer-content', `buf#${buffer.id} page ${page} (pfn ${pfn}) holds tag ${tag}, expected ${buffer.expected[page]}`, { pfn, expected: buffer.expected[page], actual: tag });
  }
  return undefined;
}

function applyRead(ctx: OpContext, op: BufReadOp): OpOutcome {
  const layer = heapLayerOf(ctx);
  const map = pickMap(layer, op.map);
  if (layer === undefined || map === undefined) return skipOutcome('no live mapping');
  const { first, count } = rangeOf(map, op.offset, op.pages);
  const result = layer.bufOf(map.buffer).read(map.realId, first, count);
  const failure = result.ok && ctx.checking ? checkRead(ctx, layer, map, first, result.value, count) : undefined;
  return outcomeOf(result, 'ok', `load through map#${map.id}`, (seen) => `map#${map.id} of buf#${map.buffer.id} pages ${first}+${count} zero ${seen.zeroPages}`, failure);
}

const accessArbitrary = (): fc.Arbitrary<ModelAccess> => fc.constantFrom('rw', 'r', 'w');
const pageArbitrary = (): fc.Arbitrary<number> => fc.nat({ max: 300 });

/** The bufMap op kind. */
export const bufMapSpec: OpSpec<BufMapOp> = {
  kind: 'bufMap', group: 'heaps', summary: 'mmap(MAP_SHARED) of a live buffer (whole, or a raw page range)', schema: mapSchema,
  arbitrary: () => fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('bufMap' as const), buf: targetArbitrary(), access: accessArbitrary() }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('bufMap' as const), buf: targetArbitrary(), access: accessArbitrary(), offset: fc.nat({ max: 64 }), pages: fc.nat({ max: 64 }) }), weight: 1 },
  ),
  apply: applyMap,
  describe: (op) => `bufMap buf ${op.buf} ${op.access}${op.offset === undefined ? '' : ` pages ${op.offset}+${op.pages ?? 'rest'}`}`,
};

/** The bufUnmap op kind. */
export const bufUnmapSpec: OpSpec<BufUnmapOp> = {
  kind: 'bufUnmap', group: 'heaps', summary: 'munmap(2) of a live mapping; the last reference releases the buffer', schema: unmapSchema,
  arbitrary: () => fc.record({ op: fc.constant('bufUnmap' as const), map: targetArbitrary() }),
  apply: applyUnmap, describe: (op) => `bufUnmap map ${op.map}`,
};

/** The bufWrite op kind. */
export const bufWriteSpec: OpSpec<BufWriteOp> = {
  kind: 'bufWrite', group: 'heaps', summary: 'a store of a fresh tag through a live mapping (EFAULT when read-only)', schema: writeSchema,
  arbitrary: () => fc.record({ op: fc.constant('bufWrite' as const), map: targetArbitrary(), offset: pageArbitrary(), pages: pageArbitrary() }),
  apply: applyWrite, describe: (op) => `bufWrite map ${op.map} offset ${op.offset} pages ${op.pages}`,
};

/** The bufRead op kind. */
export const bufReadSpec: OpSpec<BufReadOp> = {
  kind: 'bufRead', group: 'heaps', summary: 'a load through a live mapping, checked page by page against the model', schema: readSchema,
  arbitrary: () => fc.record({ op: fc.constant('bufRead' as const), map: targetArbitrary(), offset: pageArbitrary(), pages: pageArbitrary() }),
  apply: applyRead, describe: (op) => `bufRead map ${op.map} offset ${op.offset} pages ${op.pages}`,
};
