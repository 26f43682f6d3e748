// The CMA heap (Linux 6.1 cma_heap.c): cma_alloc with align = min(get_order(size), 8) (invariant 38), cleared pages, the page array, cma_release on release, the 6.1 fault-handler check, and which areas get a heap.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { StateHasher } from '../../src/base/hash.ts';
import { CmaHeap, cmaHeapAlignOrder, CONFIG_CMA_ALIGNMENT, orderOfPages } from '../../src/heaps/cma-heap.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { alloc, boot, KiB, MiB, readsZero, RDWR_CLOEXEC, scribble } from './heap-fixtures.ts';
import { bootRaw, mapUser, slotIn, tagAll, expectTagsIntact, expectSound } from '../contig/machine-fixtures.ts';

function reservedHeap(machine: Machine): CmaHeap {
  const heap = machine.heaps.get('reserved');
  if (!(heap instanceof CmaHeap)) throw new Error('no reserved CMA heap');
  return heap;
}

function pageStateHash(machine: Machine): string {
  const hasher = new StateHasher();
  machine.buddy.hashInto(hasher);
  return hasher.digestHex();
}

function request(pageCount: number): { lenBytes: bigint; pageCount: number; fdFlags: number; heapFlags: bigint } {
  return { lenBytes: BigInt(pageCount * 4096), pageCount, fdFlags: RDWR_CLOEXEC, heapFlags: 0n };
}

describe('align = min(get_order(size), CONFIG_CMA_ALIGNMENT)', () => {
  it('get_order rounds up to the next power of two of pages; the cap is 8', () => {
    expect([1, 2, 3, 4, 5, 255, 256, 257, 3841, 4096].map(orderOfPages)).toEqual([0, 1, 2, 2, 3, 8, 8, 9, 12, 12]);
    expect(CONFIG_CMA_ALIGNMENT).toBe(8);
    expect([1, 16, 17, 256, 257, 4096, 2 ** 52 - 1].map(cmaHeapAlignOrder)).toEqual([0, 4, 5, 8, 8, 8, 8]);
  });

  it('invariant 38: every buffer starts on a 2^align boundary, holds PAGE_ALIGN(len) and lies in the area', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const area = reservedHeap(machine).area;
    const lens = [1, 4096, 5000, 12 * KiB, 40 * KiB, 64 * KiB + 1, 300 * KiB, MiB, MiB + 1, 3 * MiB];
    const bufs = lens.map((len) => alloc(machine, 'reserved', len));
    for (const [i, buf] of bufs.entries()) {
      const pageCount = Math.ceil((lens[i] as number) / 4096);
      const pfn = buf.chunks[0]?.pfn as number;
      expect(buf.sizeBytes).toBe(pageCount * 4096);
      expect(buf.chunks.length).toBe(pageCount);
      expect(buf.chunks.every((chunk, pg) => chunk.order === 0 && chunk.pfn === pfn + pg)).toBe(true);
      expect(pfn % 2 ** cmaHeapAlignOrder(pageCount)).toBe(0);
      expect(pfn >= area.basePfn && pfn + pageCount <= area.pfnEnd).toBe(true);
    }
    expect(area.bitmap.usedPages()).toBe(bufs.reduce((sum, buf) => sum + buf.pageCount, 0));
    for (const buf of bufs) buf.close();
    expect(area.bitmap.usedPages()).toBe(0);
    expect(Number(area.nrPagesReleased)).toBe(bufs.reduce((sum, buf) => sum + buf.pageCount, 0));
    expectSound(machine);
  });

  it('the pages belong to the heap while the buffer lives', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const buf = alloc(machine, 'reserved', 64 * KiB);
    const table = machine.buddy.table;
    const owner = table.owner[table.pageIndex(buf.chunks[0]?.pfn as number)] as number;
    expect(machine.owners.kindOf(owner)).toBe('heap');
    expect(machine.owners.labelOf(owner)).toBe('reserved');
  });
});

describe('failure', () => {
  it('ENOMEM when no aligned window is free, with the bitmap and the page state unchanged', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const area = reservedHeap(machine).area;
    const keep = alloc(machine, 'reserved', 4096);
    const bitmap = area.bitmap.bitmapWordsText();
    const pages = pageStateHash(machine);
    const failed = machine.heaps.dmaHeapIoctlAlloc('reserved', { lenBytes: BigInt(16 * MiB), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(failed.ok ? 'ok' : failed.errno).toBe('ENOMEM');
    expect(area.bitmap.bitmapWordsText()).toBe(bitmap);
    expect(pageStateHash(machine)).toBe(pages);
    // Only cma_alloc's failure accounting moved, as in Linux (CMA_ALLOC_FAIL, nr_pages_failed += count).
    expect(Number(area.nrPagesFailed)).toBe(4096);
    keep.close();
  });

  it('a busy page in every window (a short-term pin in CMA) is ENOMEM too, and the bitmap is unchanged', () => {
    // 32 MiB with cma=16M: free CMA pages outnumber the others, so movable faults land in CMA first.
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }], cmdline: 'cma=16M' });
    const area = reservedHeap(machine).area;
    const owner = mapUser(machine, 3000);
    const slot = slotIn(machine, owner, area.basePfn, area.pfnEnd);
    expect(machine.pins.pin(owner, slot, 1, 'shortterm').ok).toBe(true);
    const bitmap = area.bitmap.bitmapWordsText();
    // 16 MiB: align 8, one window (bit 0); its EBUSY moves the search to bit 256, where nothing fits.
    const failed = machine.heaps.dmaHeapIoctlAlloc('reserved', { lenBytes: BigInt(16 * MiB), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(failed.ok ? 'ok' : failed.errno).toBe('ENOMEM');
    expect(area.bitmap.bitmapWordsText()).toBe(bitmap);
    expect(area.bitmap.usedPages()).toBe(0);
    expectSound(machine);
  });

  it('a request larger than the area never reaches alloc_contig_range', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const before = machine.events.get('contig_alloc_fail') + machine.events.get('contig_alloc_success');
    const heap = reservedHeap(machine);
    expect(heap.allocate(request(4097)).ok).toBe(false);
    expect(heap.allocate({ ...request(1), lenBytes: 2n ** 64n - 4096n, pageCount: 2 ** 52 - 1 }).ok).toBe(false);
    expect(machine.events.get('contig_alloc_fail') + machine.events.get('contig_alloc_success')).toBe(before);
  });
});

describe('cleared pages', () => {
  it('a buffer reads zero where an earlier buffer of the heap wrote', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const first = alloc(machine, 'reserved', MiB);
    scribble(first);
    const pfn = first.chunks[0]?.pfn;
    first.close();
    const second = alloc(machine, 'reserved', MiB);
    expect(second.chunks[0]?.pfn).toBe(pfn);
    expect(readsZero(second)).toBe(true);
  });

  it('a buffer reads zero where a cma_alloc user and migrated user pages left data; the user data moved intact', () => {
    const machine = bootRaw({ banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }], cmdline: 'cma=4M' });
    const area = reservedHeap(machine).area;
    const driver = machine.cma.alloc('reserved', { pageCount: 512, alignOrder: 0 });
    if (!driver.ok) throw new Error(driver.detail);
    machine.buddy.table.content.fill(77, machine.buddy.table.pageIndex(driver.value), machine.buddy.table.pageIndex(driver.value) + 512);
    expect(machine.cma.release('reserved', driver.value, 512)).toBe(true);
    const owner = mapUser(machine, 3000);
    tagAll(machine, owner);
    expect(machine.user.pagesInCma(owner)).toBeGreaterThan(0);
    const buf = alloc(machine, 'reserved', 4 * MiB);
    expect(buf.chunks[0]?.pfn).toBe(area.basePfn);
    expect(readsZero(buf)).toBe(true);
    expect(machine.user.pagesInCma(owner)).toBe(0);
    expectTagsIntact(machine, owner);
    buf.close();
    expectSound(machine);
  });
});

describe('mmap and the 6.1 fault handler', () => {
  it('faults inside the buffer map its pages; pgoff > pagecount is SIGBUS; pgoff == pagecount passes the 6.1 check (asserted unreachable)', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const heap = reservedHeap(machine);
    const buffer = heap.allocate(request(4));
    if (!buffer.ok) throw new Error(buffer.detail);
    expect(buffer.value.vmFault(3)).toEqual({ ok: true, value: buffer.value.pfn + 3 });
    const sigbus = buffer.value.vmFault(5);
    expect(sigbus.ok ? 'ok' : sigbus.errno).toBe('EFAULT');
    expect(() => buffer.value.vmFault(4)).toThrow(AssertionError);
    buffer.value.release();
  });

  it('the off-by-one is unreachable: dma_buf_mmap_internal refuses any mapping past the size', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const buf = alloc(machine, 'reserved', 4 * 4096);
    for (const [off, pages] of [[4, 1], [3, 2], [0, 5]] as const) {
      const mapped = buf.mmap('r', off, pages);
      expect(mapped.ok ? 'ok' : mapped.errno).toBe('EINVAL');
    }
    expect(buf.mmap('r', 3, 1).ok).toBe(true);
  });
});

describe('which areas get a CMA heap', () => {
  const raw = (cmdline: string): unknown => ({
    banks: [{ name: 'dram0', base: 0, size: '256M', zone: 'Normal' }],
    cmdline,
    cma: { areas: [{ name: 'video', size: '16M' }, { name: 'camera', size: '8M' }, { name: 'spare', size: '4M' }] },
    devices: [
      { name: 'mfc', cma: ['video'], exportHeap: true },
      { name: 'isp', cma: ['camera', 'video'] },
      { name: 'cam', cma: ['camera'], exportHeap: true },
    ],
  });

  it('the default area always, then each exported device area in device order; areas nobody exports get none', () => {
    expect(bootRaw(raw('cma=16M')).heaps.names()).toEqual(['system', 'reserved', 'video', 'camera']);
    expect(bootRaw(raw('')).heaps.names()).toEqual(['system', 'video', 'camera']);
  });

  it('an exported heap allocates from its own area only', () => {
    const machine = bootRaw(raw('cma=16M'));
    const video = machine.cma.area('video');
    const buf = alloc(machine, 'video', MiB);
    const pfn = buf.chunks[0]?.pfn as number;
    expect(video !== undefined && pfn >= video.basePfn && pfn < video.pfnEnd).toBe(true);
    expect(machine.cma.area('reserved')?.bitmap.usedPages()).toBe(0);
    expect(video?.bitmap.usedPages()).toBe(256);
  });
});
