// The contiguous-memory layer of the model (user mappings and pins, CMA allocations, contig ranges) as one ModelLayer: page accounting for conservation and the failed-op fingerprint, page claims, the per-op and audit checks, and the lookup ops use.
import { PAGEBLOCK_NR_PAGES, type PageCount, type Pfn } from '../../../src/base/units.ts';
import { MIGRATE_CMA, MIGRATETYPE_NAMES } from '../../../src/mem/migratetype.ts';
import type { OwnerId } from '../../../src/mem/owners.ts';
import { fail, type InvariantFailure } from '../../invariants/failure.ts';
import { checkAllMappings, checkOrphans, checkReleasedUserPages, checkUserOwnership, type PendingTest } from '../../invariants/user-pages.ts';
import { CmaModel, type CmaAllocation } from '../../model/cma-model.ts';
import { ContigRangeModel, PageClaims, type ContigRange } from '../../model/contig-model.ts';
import type { ModelLayer } from '../../model/model-layer.ts';
import { UserModel } from '../../model/user-model.ts';
import type { OpContext } from '../op.ts';
import { auditRanges } from './audit-ranges.ts';
import { ContigSpy } from './contig-spy.ts';
import { releaseEverything } from './release-all.ts';

/** User memory, pins, CMA allocations and contig ranges of one run, registered on the shadow model. */
export class ContigLayer implements ModelLayer {
  readonly name = 'contig';
  readonly user: UserModel;
  readonly cma: CmaModel;
  readonly ranges = new ContigRangeModel();
  readonly claims: PageClaims;
  readonly spy: ContigSpy;
  /** Whether a page waits in an LRU-add batch now (the model's recent adds, resolved by the batch's size). */
  readonly isPending: PendingTest;
  /** Owners handed to CMA allocations and contig ranges (tried or live): their pages must be claimed by a live object. */
  readonly objectOwners = new Set<OwnerId>();
  private cmaPages: PageCount = 0;
  private rangePages: PageCount = 0;
  private migrationsSeen: number;

  constructor(private readonly ctx: OpContext) {
    const { machine } = ctx;
    this.user = new UserModel(machine.buddy.cpuCount);
    this.cma = new CmaModel(machine.layout.cma);
    this.claims = new PageClaims(ctx.facts.pfnBase, ctx.facts.pfnEnd);
    this.isPending = (cpu, pfn) => this.user.isPending(cpu, pfn, machine.user.lruPendingPages(cpu));
    this.spy = new ContigSpy(ctx, { tagOf: (owner, slot) => this.user.mappingOfOwner(owner)?.tags[slot] });
    this.spy.install(machine);
    this.migrationsSeen = machine.events.get('pgmigrate_success');
  }

  heldPages(): PageCount {
    return this.user.mappedPages + this.user.heldOrphans(this.isPending).length + this.cmaPages + this.rangePages;
  }

  ownedPages(): PageCount {
    let pinnedOrphans = 0;
    for (const orphan of this.user.orphans.values()) if (orphan.pinRefs > 0) pinnedOrphans++;
    return this.user.mappedPages + pinnedOrphans + this.cmaPages + this.rangePages;
  }

  liveObjects(): number {
    return this.user.mappings.length + this.user.pins.length + this.cma.allocations.length + this.ranges.ranges.length;
  }

  claimOf(pfn: Pfn): string | undefined {
    return this.claims.claimOf(pfn);
  }

  /** Per op: the spy's findings, pages migration moved, orphans let go, CMA pageblocks, isolation. */
  afterOp(ctx: OpContext): InvariantFailure | undefined {
    const spied = this.spy.failure;
    this.spy.reset();
    return spied ?? this.checkMigrated(ctx) ?? this.letGoOrphans(ctx) ?? checkPageblockRoles(ctx, this.cma);
  }

  audit(ctx: OpContext): InvariantFailure | undefined {
    const held = new Set(this.user.heldOrphans(this.isPending));
    return checkAllMappings(ctx, this.user, this.isPending) ??
      checkOrphans(ctx, this.user, this.isPending) ??
      checkUserOwnership(ctx, this.user, held) ??
      auditRanges(ctx, this);
  }

  releaseAll(ctx: OpContext): InvariantFailure | undefined {
    return releaseEverything(ctx, this);
  }

  /** Records a CMA allocation whose owner now writes its tag into every page it holds. */
  addCma(init: Parameters<CmaModel['add']>[0]): CmaAllocation {
    const allocation = this.cma.add(init);
    for (const unit of allocation.releases) {
      this.claims.claim(`cma#${allocation.id}`, unit.pfn, unit.pageCount);
      this.writeTag(unit.pfn, unit.pageCount, allocation.tag);
    }
    this.cmaPages += allocation.pageCount;
    return allocation;
  }

  /** Forgets a released CMA allocation. */
  removeCma(allocation: CmaAllocation): void {
    this.cma.remove(allocation);
    for (const unit of allocation.releases) this.claims.release(unit.pfn, unit.pageCount);
    this.cmaPages -= allocation.pageCount;
  }

  /** Records a contig range whose owner now writes its tag into every page. */
  addRange(init: Parameters<ContigRangeModel['add']>[0]): ContigRange {
    const range = this.ranges.add(init);
    this.claims.claim(`range#${range.id}`, range.pfn, range.pageCount);
    this.writeTag(range.pfn, range.pageCount, range.tag);
    this.rangePages += range.pageCount;
    return range;
  }

  /** Forgets a freed contig range. */
  removeRange(range: ContigRange): void {
    this.ranges.remove(range);
    this.claims.release(range.pfn, range.pageCount);
    this.rangePages -= range.pageCount;
  }

  /** A fresh owner for a harness object of `kind`. */
  newOwner(kind: 'user' | 'cma' | 'contig'): OwnerId {
    const owner = this.ctx.machine.owners.register(kind, 'harness');
    if (kind !== 'user') this.objectOwners.add(owner);
    return owner;
  }

  /** Pages that moved since the last look: every mapped slot must still read its owner and tag. */
  private checkMigrated(ctx: OpContext): InvariantFailure | undefined {
    const migrated = ctx.machine.events.get('pgmigrate_success');
    if (migrated === this.migrationsSeen) return undefined;
    this.migrationsSeen = migrated;
    return checkAllMappings(ctx, this.user);
  }

  /** Forgets orphans nothing holds any more (their last pin went, or a drain inside any op emptied their batch) and checks they are back in the allocator. */
  letGoOrphans(ctx: OpContext): InvariantFailure | undefined {
    if (this.user.orphans.size === 0) return undefined;
    const orphans = new Map(this.user.orphans);
    for (const pfn of this.user.pruneOrphans(this.isPending)) {
      if (!ctx.checking) continue;
      const failure = checkReleasedUserPages(ctx, [pfn], orphans.get(pfn)?.owner ?? 0, 'its last pin and LRU-add batch reference went');
      if (failure !== undefined) return failure;
    }
    return undefined;
  }

  private writeTag(pfn: Pfn, pageCount: PageCount, tag: number): void {
    const table = this.ctx.machine.buddy.table;
    const start = table.pageIndex(pfn);
    table.content.fill(tag, start, start + pageCount);
  }
}

/** Between ops every CMA area's pageblocks are MIGRATE_CMA and no pageblock anywhere is isolated. */
function checkPageblockRoles(ctx: OpContext, cma: CmaModel): InvariantFailure | undefined {
  ctx.checks++;
  const buddy = ctx.machine.buddy;
  for (const area of cma.areas) {
    for (let pfn = area.basePfn; pfn < area.pfnEnd; pfn += PAGEBLOCK_NR_PAGES) {
      const mt = buddy.pageblockMigratetype(pfn);
      if (mt !== MIGRATE_CMA) return fail('contig-migratetypes', `pageblock ${pfn} of CMA area ${area.name} is ${MIGRATETYPE_NAMES[mt]} between ops`, { pfn, expected: 'CMA', actual: MIGRATETYPE_NAMES[mt] });
    }
  }
  let isolated = 0;
  for (const zone of buddy.zones) isolated += zone.nrIsolatePageblock;
  if (isolated === 0) return undefined;
  return fail('contig-migratetypes', `${isolated} pageblocks are still isolated between ops`, { expected: 0, actual: isolated });
}

/** The run's contig layer, created (and its spy installed) on first use. */
export function contigLayer(ctx: OpContext): ContigLayer {
  for (const layer of ctx.model.layers) if (layer instanceof ContigLayer) return layer;
  const layer = new ContigLayer(ctx);
  ctx.model.layers.push(layer);
  return layer;
}
