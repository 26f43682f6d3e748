// Dropping one reference of a buffer (close, munmap, detach) through the model: the real refcount must follow the model's, and the last reference releases the buffer with every release check (content intact before, invariant 37 and the per-heap rules after).
import type { Result } from '../../../src/base/errno.ts';
import type { DmaBuf } from '../../../src/heaps/dma-buf.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { checkBufferIntact, checkRelease, type ReleaseBefore } from '../../invariants/heap-release.ts';
import type { ModelBuffer } from '../../model/heap-model.ts';
import type { OpContext } from '../op.ts';
import { entryOf, type HeapEntry } from './heap-catalog.ts';
import type { HeapLayer } from './heap-layer.ts';
import { takeHeapSnapshot } from './heap-snapshot.ts';

/** The real buffer's references and state equal the model's (fds + mappings + attachments; released iff none). */
export function checkRefcount(ctx: OpContext, layer: HeapLayer, buffer: ModelBuffer, buf: DmaBuf): InvariantFailure | undefined {
  ctx.checks++;
  const expected = layer.model.refcount(buffer);
  const released = expected === 0;
  if (buf.isReleased === released && (released || (buf.refcount === expected && buf.fdCount === buffer.fds && buf.mappingCount === buffer.maps.length))) return undefined;
  return fail('buffer-refs', `buf#${buffer.id}: refcount ${buf.refcount} (fds ${buf.fdCount}, maps ${buf.mappingCount}, released ${buf.isReleased}), expected ${expected} (fds ${buffer.fds}, maps ${buffer.maps.length})`, {
    expected, actual: buf.refcount,
  });
}

function releaseBefore(layer: HeapLayer, entry: HeapEntry): ReleaseBefore {
  return { snapshot: takeHeapSnapshot(layer.machine, layer.catalog), usedBits: entry.area?.bitmap.usedBits() ?? 0 };
}

/**
 * Runs `drop` (the real close/munmap/detach, whose model bookkeeping `forget` does) and checks the
 * reference counts; when it was the last reference, checks the release too and updates the model.
 */
export function dropReference(ctx: OpContext, layer: HeapLayer, buffer: ModelBuffer, drop: () => Result<void>, forget: () => void): InvariantFailure | undefined {
  const buf = layer.bufOf(buffer);
  forget();
  const last = layer.model.refcount(buffer) === 0;
  const entry = entryOf(layer.catalog, buffer.heapName) as HeapEntry;
  const intact = ctx.checking && last ? checkBufferIntact(ctx, buffer, (page) => buf.pfnAt(page)) : undefined;
  const before = ctx.checking && last ? releaseBefore(layer, entry) : undefined;
  const dropped = drop();
  if (!dropped.ok) return fail('buffer-refs', `buf#${buffer.id}: dropping a live reference failed with ${dropped.errno} (${dropped.detail})`, { expected: 'ok', actual: dropped.errno });
  const refs = ctx.checking ? intact ?? checkRefcount(ctx, layer, buffer, buf) : undefined;
  if (!last) return refs;
  const deferred = entry.family?.deferred !== undefined;
  layer.model.release(buffer, deferred ? entry.family?.name : undefined);
  layer.bufs.delete(buffer.id);
  if (refs !== undefined || before === undefined) return refs;
  return checkRelease(ctx, {
    buffer, entry, deferred, before, after: takeHeapSnapshot(layer.machine, layer.catalog),
    familyIndex: entry.family === undefined ? -1 : layer.catalog.families.indexOf(entry.family),
    cpaIndex: entry.cpa === undefined ? -1 : layer.catalog.cpaPools.indexOf(entry.cpa),
  });
}
