// The per-request allocation context (struct alloc_context), gfp_zone(), zonelists, and the hooks the reclaim layer plugs into the slow path.
//
// Zonelists follow build_zonelists() of Linux 6.1 with every remote node at the same distance: the
// preferred node's zones from the highest zone type down, then the other nodes in the order
// node+1, ..., last, 0, ..., node-1 (find_next_best_node's "prefer the next node"; node_load
// balancing and the penalty for nodes with CPUs are not modelled). __GFP_THISNODE uses the
// node-local list only (ZONELIST_NOFALLBACK).
import { assert } from '../base/assert.ts';
import type { Order, PageCount } from '../base/units.ts';
import { __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_MOVABLE, __GFP_THISNODE, type Gfp } from '../mem/gfp.ts';
import type { Migratetype } from '../mem/migratetype.ts';
import type { OwnerId } from '../mem/owners.ts';
import type { PageTable } from '../mem/page-table.ts';
import type { VmEvents } from '../mem/vm-events.ts';
import { ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL, type Zone } from './zone.ts';

/**
 * What the reclaim layer provides to the allocator's slow path. The defaults do nothing: no kswapd,
 * compaction reports no progress (COMPACT_SKIPPED) and reclaim frees nothing.
 */
export interface SlowPathHooks {
  /** wakeup_kswapd() for the node of `zone`. */
  wakeKswapd(zone: Zone): void;
  /** Direct compaction of `zone` for an `order` request; true when it made progress. */
  compact(zone: Zone, order: Order, gfp: Gfp): boolean;
  /** Direct reclaim from `zone`; returns the pages it freed. */
  reclaim(zone: Zone, order: Order, gfp: Gfp): PageCount;
  /** zone_reclaimable_pages() for should_reclaim_retry(); 0 when absent. */
  reclaimablePages?(zone: Zone): PageCount;
}

/** Hooks that do nothing (the state before the reclaim layer exists). */
export const NO_SLOW_PATH_HOOKS: SlowPathHooks = {
  wakeKswapd: () => undefined,
  compact: () => false,
  reclaim: () => 0,
};

/** What the allocation paths need from the allocator instance. */
export interface AllocatorCore {
  readonly table: PageTable;
  readonly zones: readonly Zone[];
  readonly events: VmEvents;
  readonly nodeCount: number;
  readonly hooks: SlowPathHooks;
  /** drain_all_pages(zone), or every zone when undefined. */
  drainAllPages(zone?: Zone): void;
}

/** struct alloc_context plus the caller's identity (owner, CPU) and what the slow path learned. */
export interface AllocContext {
  gfp: Gfp;
  readonly order: Order;
  readonly migratetype: Migratetype;
  readonly highestZoneIdx: number;
  readonly zonelist: readonly Zone[];
  /** The nodemask; undefined means every node. The slow path may drop it (ALLOC_CPUSET cleared). */
  nodes: readonly number[] | undefined;
  preferredZone: Zone | null;
  readonly owner: OwnerId;
  readonly cpu: number;
  readonly movable: boolean;
  didSomeProgress: PageCount;
  compactProgress: boolean;
}

/** gfp_zone(): the highest zone index a request may use (GFP_ZONE_TABLE without HIGHMEM). */
export function gfpZone(gfp: Gfp): number {
  assert((gfp & __GFP_DMA) === 0 || (gfp & __GFP_DMA32) === 0, 'gfp with both __GFP_DMA and __GFP_DMA32');
  if ((gfp & __GFP_DMA) !== 0) return ZONE_DMA;
  if ((gfp & __GFP_DMA32) !== 0) return ZONE_DMA32;
  if ((gfp & __GFP_HIGHMEM) !== 0 && (gfp & __GFP_MOVABLE) !== 0) return ZONE_MOVABLE;
  return ZONE_NORMAL;
}

/** True when `zone` passes the context's highest-zone and nodemask filters (for_each_zone_zonelist_nodemask). */
export function zoneAllowed(ac: AllocContext, zone: Zone): boolean {
  return zone.kindIndex <= ac.highestZoneIdx && (ac.nodes === undefined || ac.nodes.includes(zone.node));
}

/** first_zones_zonelist(): the first allowed zone, or null. */
export function firstAllowedZone(ac: AllocContext): Zone | null {
  for (const zone of ac.zonelist) if (zoneAllowed(ac, zone)) return zone;
  return null;
}

/** The allowed zones of the context in zonelist order (allocates a small array; not for hot paths). */
export function allowedZones(ac: AllocContext): Zone[] {
  return ac.zonelist.filter((zone) => zoneAllowed(ac, zone));
}

/** Fallback and node-local zonelists for every node that has memory. */
export class Zonelists {
  readonly nodeIds: readonly number[];
  private readonly fallbackLists = new Map<number, readonly Zone[]>();
  private readonly thisNodeLists = new Map<number, readonly Zone[]>();

  constructor(zones: readonly Zone[]) {
    this.nodeIds = [...new Set(zones.map((zone) => zone.node))].sort((a, b) => a - b);
    for (const node of this.nodeIds) {
      const local = Zonelists.nodeZones(zones, node);
      const position = this.nodeIds.indexOf(node);
      const others = [...this.nodeIds.slice(position + 1), ...this.nodeIds.slice(0, position)];
      this.thisNodeLists.set(node, local);
      this.fallbackLists.set(node, [...local, ...others.flatMap((other) => Zonelists.nodeZones(zones, other))]);
    }
  }

  /** The zonelist for a request preferring `node` (ZONELIST_NOFALLBACK with __GFP_THISNODE). */
  forRequest(node: number, gfp: Gfp): readonly Zone[] {
    const list = (gfp & __GFP_THISNODE) !== 0 ? this.thisNodeLists.get(node) : this.fallbackLists.get(node);
    assert(list !== undefined, () => `node ${node} has no memory`);
    return list;
  }

  /** build_zonerefs_node(): a node's zones from the highest zone type down (banks of one type in PFN order). */
  private static nodeZones(zones: readonly Zone[], node: number): Zone[] {
    return zones.filter((zone) => zone.node === node).sort((a, b) => b.kindIndex - a.kindIndex || a.pfnStart - b.pfnStart);
  }
}
