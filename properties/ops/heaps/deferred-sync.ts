// Keeps the model's deferred-free lists in step with the real ones (invariant 53): items leave only from the head (LIFO), so the model pops head entries until its page total matches list_nr_pages; no matching prefix, or a different item count, is a broken list.
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import type { HeapModel } from '../../model/heap-model.ts';
import type { SystemFamily } from './heap-catalog.ts';

/** What the sync needs: the model and the families (with their real lists). */
export interface DeferredSyncTarget {
  readonly model: HeapModel;
  readonly catalog: { readonly families: readonly SystemFamily[] };
  /** Told the pages of each item the sync found freed, in the order they were freed. */
  notePopped(family: string, pages: number): void;
}

function syncFamily(target: DeferredSyncTarget, family: SystemFamily): InvariantFailure | undefined {
  const { model } = target;
  const list = family.deferred;
  if (list === undefined) return undefined;
  const realPages = list.listNrPages;
  const realItems = list.itemCount;
  let modelPages = model.deferredPages(family.name);
  if (modelPages === realPages && model.deferredOf(family.name).length === realItems) return undefined;
  while (modelPages > realPages && model.deferredOf(family.name).length > 0) {
    const pages = model.popDeferred(family.name).chunkPages;
    modelPages -= pages;
    target.notePopped(family.name, pages);
  }
  const modelItems = model.deferredOf(family.name).length;
  if (modelPages === realPages && modelItems === realItems) return undefined;
  return fail('deferred-free', `${list.name}: list_nr_pages ${realPages} over ${realItems} items, but freeing from the head (LIFO) leaves ${modelPages} pages over ${modelItems} items`, {
    expected: { pages: modelPages, items: modelItems }, actual: { pages: realPages, items: realItems },
  });
}

/** Syncs every family's list; the first desync is returned. O(items freed) when in step. */
export function syncDeferred(target: DeferredSyncTarget): InvariantFailure | undefined {
  for (const family of target.catalog.families) {
    const failure = syncFamily(target, family);
    if (failure !== undefined) return failure;
  }
  return undefined;
}
