// The buddy op module: every op kind that drives the page allocator, in the order listings print them.
import { allocPagesBulkSpec } from './buddy/alloc-pages-bulk.ts';
import { allocPagesSpec } from './buddy/alloc-pages.ts';
import { freePagesSpec } from './buddy/free-pages.ts';
import { armFaultSpec, drainSpec, tickSpec } from './buddy/machine-ops.ts';
import { getPageSpec, putPageSpec } from './buddy/page-refs.ts';

/** The buddy layer's op specs; the registry merges them with other layers' modules. */
export const BUDDY_OP_SPECS = [allocPagesSpec, freePagesSpec, getPageSpec, putPageSpec, allocPagesBulkSpec, drainSpec, tickSpec, armFaultSpec] as const;

/** Op kinds that create allocations: a swarm keeps at least one of them on, or a run would have nothing to act on. */
export const BUDDY_ALLOCATING_KINDS: readonly string[] = [allocPagesSpec.kind, allocPagesBulkSpec.kind];
