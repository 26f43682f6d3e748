// The contig op module: user memory, pins, alloc_contig_range / alloc_contig_pages and compaction, in the order listings print them.
import { pinSpec, unpinSpec } from './pin-ops.ts';
import { compactSpec, contigFreeSpec, contigPagesSpec, contigRangeSpec } from './range-ops.ts';
import { lruDrainSpec, userMapSpec, userUnmapSpec, userWriteSpec } from './user-ops.ts';

/** The contig layer's op specs; the registry merges them with other layers' modules. */
export const CONTIG_OP_SPECS = [userMapSpec, userUnmapSpec, userWriteSpec, lruDrainSpec, pinSpec, unpinSpec, contigRangeSpec, contigPagesSpec, contigFreeSpec, compactSpec] as const;

/** Contig kinds that create something later ops act on. */
export const CONTIG_ALLOCATING_KINDS: readonly string[] = [userMapSpec.kind, contigRangeSpec.kind, contigPagesSpec.kind];
