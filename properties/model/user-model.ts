// The user-memory model: live mappings (slot → expected content tag), pins by slot range, pages an munmap left held by a pin or an LRU-add batch, and each CPU's recent LRU adds.
//
// It never predicts PFNs: pages move under migration, so every check reads a slot's PFN through the
// public UserMemory API and compares owner, content and references with what this model expects.
// The only PFNs it keeps are those that cannot move: pinned pages (a pin is an extra reference) and
// pages waiting in an LRU-add batch (not on the LRU yet).
import { assert } from '../../src/base/assert.ts';
import type { PageCount, Pfn } from '../../src/base/units.ts';
import type { OwnerId } from '../../src/mem/owners.ts';

/** PAGEVEC_SIZE in Linux 6.1: a per-CPU LRU-add batch drains when it reaches this many pages. */
export const LRU_BATCH_PAGES = 15;
/** Content tags user pages get: distinct from buddy handle ids (which stay far below 2^30). */
export const USER_TAG_BASE = 0x40000000;

/** Anonymous memory or page cache. */
export type UserBacking = 'anon' | 'file';
/** A short-term pin (a reference) or a FOLL_LONGTERM pin (a reference and a pin count). */
export type UserPinKind = 'shortterm' | 'longterm';

/** One live (or, once unmapped, dead) mapping. */
export interface ModelMapping {
  /** 1, 2, ... per run ("map#2"). */
  readonly id: number;
  readonly owner: OwnerId;
  readonly pageCount: PageCount;
  /** The CPU that faulted the pages in (its LRU-add batch got them). */
  readonly cpu: number;
  readonly backing: UserBacking;
  /** The content tag each slot must read. */
  readonly tags: Uint32Array;
  /** Pins (of both kinds) covering each slot. */
  readonly pinRefs: Uint16Array;
  /** FOLL_LONGTERM pins covering each slot. */
  readonly longtermRefs: Uint16Array;
  live: boolean;
}

/** One pin the harness holds. */
export interface ModelPin {
  /** "pin#4". */
  readonly id: number;
  readonly kind: UserPinKind;
  readonly mapping: ModelMapping;
  readonly slotStart: number;
  /** The pinned pages, in slot order (they cannot move while pinned). */
  readonly pfns: readonly Pfn[];
}

/** A page of an unmapped mapping that something may still hold (a pin or an LRU-add batch). */
export interface OrphanPage {
  readonly owner: OwnerId;
  readonly cpu: number;
  readonly tag: number;
  pinRefs: number;
  longtermRefs: number;
}

/** User mappings, pins and orphaned pages of one run. */
export class UserModel {
  /** Live mappings in creation order: the symbolic targets of later ops. */
  readonly mappings: ModelMapping[] = [];
  /** Live pins in creation order. */
  readonly pins: ModelPin[] = [];
  /** Pages of unmapped mappings that were still referenced at munmap, by PFN. */
  readonly orphans = new Map<Pfn, OrphanPage>();
  /** Owners of every mapping the harness made (a page of one of them must be a live slot or an orphan). */
  readonly owners = new Set<OwnerId>();
  /** Pages of live mappings. */
  mappedPages: PageCount = 0;
  private readonly byOwner = new Map<OwnerId, ModelMapping>();
  private readonly recentAdds: Pfn[][];
  private nextId = 1;
  private nextTag = USER_TAG_BASE;

  constructor(cpuCount: number) {
    this.recentAdds = Array.from({ length: cpuCount }, () => []);
  }

  /** A fresh content tag (each write gets its own, so swapped pages show). */
  freshTag(): number {
    return this.nextTag++;
  }

  /** Records a new mapping whose pages were added, in slot order, to `cpu`'s LRU-add batch. */
  addMapping(init: { owner: OwnerId; pageCount: PageCount; cpu: number; backing: UserBacking; pfns: readonly Pfn[] }): ModelMapping {
    const mapping: ModelMapping = {
      id: this.nextId++, owner: init.owner, pageCount: init.pageCount, cpu: init.cpu, backing: init.backing,
      tags: new Uint32Array(init.pageCount), pinRefs: new Uint16Array(init.pageCount), longtermRefs: new Uint16Array(init.pageCount), live: true,
    };
    this.mappings.push(mapping);
    this.byOwner.set(init.owner, mapping);
    this.owners.add(init.owner);
    this.mappedPages += init.pageCount;
    this.noteLruAdds(init.cpu, init.pfns);
    return mapping;
  }

  /** Forgets a mapping at munmap; `pfns` are its pages then, in slot order; pinned or batched ones become orphans. */
  removeMapping(mapping: ModelMapping, pfns: readonly Pfn[], isPending: (cpu: number, pfn: Pfn) => boolean): Pfn[] {
    const index = this.mappings.indexOf(mapping);
    assert(index >= 0 && mapping.live, () => `map#${mapping.id} is not live`);
    this.mappings.splice(index, 1);
    this.byOwner.delete(mapping.owner);
    mapping.live = false;
    this.mappedPages -= mapping.pageCount;
    const kept: Pfn[] = [];
    pfns.forEach((pfn, slot) => {
      const pinRefs = mapping.pinRefs[slot] as number;
      if (pinRefs === 0 && !isPending(mapping.cpu, pfn)) return;
      this.orphans.set(pfn, { owner: mapping.owner, cpu: mapping.cpu, tag: mapping.tags[slot] as number, pinRefs, longtermRefs: mapping.longtermRefs[slot] as number });
      kept.push(pfn);
    });
    return kept;
  }

  /** Records a pin of `pfns` (slots [slotStart, slotStart + pfns.length) of `mapping`). */
  addPin(kind: UserPinKind, mapping: ModelMapping, slotStart: number, pfns: readonly Pfn[]): ModelPin {
    const pin: ModelPin = { id: this.nextId++, kind, mapping, slotStart, pfns };
    this.pins.push(pin);
    for (let i = 0; i < pfns.length; i++) {
      mapping.pinRefs[slotStart + i] = (mapping.pinRefs[slotStart + i] as number) + 1;
      if (kind === 'longterm') mapping.longtermRefs[slotStart + i] = (mapping.longtermRefs[slotStart + i] as number) + 1;
    }
    return pin;
  }

  /** Forgets a pin; returns the orphan pages it was the last pin of. */
  removePin(pin: ModelPin): Pfn[] {
    const index = this.pins.indexOf(pin);
    assert(index >= 0, () => `pin#${pin.id} is not live`);
    this.pins.splice(index, 1);
    const unpinnedOrphans: Pfn[] = [];
    pin.pfns.forEach((pfn, i) => {
      const slot = pin.slotStart + i;
      if (pin.mapping.live) {
        pin.mapping.pinRefs[slot] = (pin.mapping.pinRefs[slot] as number) - 1;
        if (pin.kind === 'longterm') pin.mapping.longtermRefs[slot] = (pin.mapping.longtermRefs[slot] as number) - 1;
        return;
      }
      const orphan = this.orphans.get(pfn);
      assert(orphan !== undefined, () => `pin#${pin.id}: pfn ${pfn} of an unmapped mapping is not an orphan`);
      orphan.pinRefs--;
      if (pin.kind === 'longterm') orphan.longtermRefs--;
      if (orphan.pinRefs === 0) unpinnedOrphans.push(pfn);
    });
    return unpinnedOrphans;
  }

  /** Remembers pages handed to `cpu`'s LRU-add batch (the last LRU_BATCH_PAGES are enough to know which are pending). */
  noteLruAdds(cpu: number, pfns: readonly Pfn[]): void {
    const recent = this.recentAdds[cpu] as Pfn[];
    for (const pfn of pfns.slice(-LRU_BATCH_PAGES)) recent.push(pfn);
    if (recent.length > LRU_BATCH_PAGES) recent.splice(0, recent.length - LRU_BATCH_PAGES);
  }

  /**
   * Whether `pfn` waits in `cpu`'s batch, given that the batch holds `pendingCount` pages now: a
   * batch only grows at its end and drains whole, so they are the last `pendingCount` adds.
   */
  isPending(cpu: number, pfn: Pfn, pendingCount: number): boolean {
    const recent = this.recentAdds[cpu] as Pfn[];
    for (let i = Math.max(0, recent.length - pendingCount); i < recent.length; i++) if (recent[i] === pfn) return true;
    return false;
  }

  /** Orphans still held (by a pin, or by a batch as `isPending` says). */
  heldOrphans(isPending: (cpu: number, pfn: Pfn) => boolean): Pfn[] {
    const held: Pfn[] = [];
    for (const [pfn, orphan] of this.orphans) if (orphan.pinRefs > 0 || isPending(orphan.cpu, pfn)) held.push(pfn);
    return held;
  }

  /** Drops orphans nothing holds any more; returns their PFNs (the caller checks they went back). */
  pruneOrphans(isPending: (cpu: number, pfn: Pfn) => boolean): Pfn[] {
    const freed: Pfn[] = [];
    for (const [pfn, orphan] of this.orphans) {
      if (orphan.pinRefs > 0 || isPending(orphan.cpu, pfn)) continue;
      this.orphans.delete(pfn);
      freed.push(pfn);
    }
    return freed;
  }

  /** The live mapping owned by `owner`, or undefined. */
  mappingOfOwner(owner: OwnerId): ModelMapping | undefined {
    return this.byOwner.get(owner);
  }
}
