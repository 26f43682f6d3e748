// What `sim help VERB` tells a trace author about each contig verb (user memory, pins, contig ranges, compact, pageblock, fault).
import { describe, expect, it } from 'vitest';
import { runLines } from './trace-fixtures.ts';

const HELP: readonly (readonly [string, string])[] = [
  ['user-map', 'sim user-map PAGES [GFP] [file] [cpu=N] [as=NAME]: a process faults in PAGES order-0 pages, anonymous or with file page cache (default GFP_HIGHUSER_MOVABLE), slot i = page i, via cpu N\'s LRU-add batch; prints "ok NAME pages=N in_cma=K"'],
  ['user-unmap', 'sim user-unmap NAME: munmap of a whole mapping: unpinned pages are freed, pinned ones live on until unpinned'],
  ['user-write', 'sim user-write NAME SLOT TAG: a store through the mapping: the page of SLOT now holds content TAG (0 = zeroes)'],
  ['user-read', 'sim user-read NAME SLOT: a load through the mapping; prints "tag=T pfn=P" (migration moves P, never T)'],
  ['user-info', 'sim user-info NAME: prints "pages=N backing=anon|file in_cma=K first_pfn=P" for a mapping'],
  ['lru-drain', 'sim lru-drain [cpu=N]: lru_add_drain_all() (or one CPU\'s lru_add_drain_cpu()): batched user pages reach the LRU and become movable'],
  ['pin', 'sim pin NAME SLOT [COUNT] [longterm] [as=PIN]: GUP on COUNT (default 1) pages from SLOT: a short-term pin (extra reference), or pin_user_pages(FOLL_LONGTERM), which first migrates pages out of CMA unless pinning.longtermMigratesCma is false; prints "ok PIN pinned=N migrated=M"'],
  ['unpin', 'sim unpin PIN: unpin_user_pages()/put_page() on every page of a pin'],
  ['contig-range', 'sim contig-range PFN_START PFN_END [cma] [fast] [cpu=N] [as=NAME]: alloc_contig_range([PFN_START, PFN_END), MIGRATE_MOVABLE or with cma MIGRATE_CMA) in normal or fast mode; prints "ok NAME pfn=P pages=N migrated=M rounds=R" (a failure past the argument checks gives the same counts in its detail)'],
  ['contig-pages', 'sim contig-pages NR [GFP] [fast] [as=NAME]: alloc_contig_pages(NR, GFP): tries the NR-aligned candidates of each zone; prints "ok NAME pfn=P pages=NR"'],
  ['contig-free', 'sim contig-free NAME: free_contig_range() of a contig-range/contig-pages allocation; prints "ok in_use=N" (pages someone else still referenced)'],
  ['compact', 'sim compact [ORDER] [GFP]: compacts every zone until a free block of ORDER (default 9) exists or the scanners meet; prints "ok migrated=M rebuilt=B"'],
  ['pageblock', 'sim pageblock PFN: prints the migratetype of the pageblock holding PFN ("mt=Movable", "mt=CMA", "mt=Isolate", ...)'],
  ['fault', 'sim fault SITE [COUNT]: arms a fault site (page_alloc, migrate, isolate, transient_pin, fatal_signal): its next COUNT (default 1) consults fail; prints "ok SITE armed=N"'],
];

describe('sim help for the contig verbs', () => {
  it.each(HELP)('sim help %s prints its usage and summary', (verb, text) => {
    expect(runLines([`sim help ${verb}`])).toEqual({ stdout: [`1 ${text}`], stderr: '' });
  });
});
