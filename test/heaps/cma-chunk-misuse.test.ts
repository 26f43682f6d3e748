// CMA and chunk heap misuse and failure details: orderOfPages/chunkOrderOf/vmFault argument assertions, double release, cma_release refusals, ENOMEM details, one heap per area, and chunk-heap registration refusals.
import { describe, expect, it } from 'vitest';
import { CmaArea } from '../../src/cma/cma-area.ts';
import type { CmaBulkDeps } from '../../src/cma/cma-bulk.ts';
import { chunkOrderOf, ChunkHeap, createChunkHeap } from '../../src/heaps/chunk-heap.ts';
import { CmaHeap, createCmaHeaps, orderOfPages } from '../../src/heaps/cma-heap.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { bootRaw } from '../contig/machine-fixtures.ts';
import { alloc, boot, MiB, RDWR_CLOEXEC } from './heap-fixtures.ts';

function request(pageCount: number): { lenBytes: bigint; pageCount: number; fdFlags: number; heapFlags: bigint } {
  return { lenBytes: BigInt(pageCount * 4096), pageCount, fdFlags: RDWR_CLOEXEC, heapFlags: 0n };
}

function reservedHeap(machine: Machine): CmaHeap {
  const heap = machine.heaps.get('reserved');
  if (!(heap instanceof CmaHeap)) throw new Error('no reserved CMA heap');
  return heap;
}

function machineWithChunkHeap(): Machine {
  return bootRaw({
    banks: [{ name: 'dram0', base: 0, size: '32M', zone: 'Normal' }],
    cmdline: 'cma=16M',
    heaps: { chunk: [{ name: 'chunk', area: 'reserved', chunkSize: '64K' }] },
  });
}

function chunkHeap(machine: Machine): ChunkHeap {
  const heap = machine.heaps.get('chunk');
  if (!(heap instanceof ChunkHeap)) throw new Error('no chunk heap');
  return heap;
}

function wiring(machine: Machine): { env: ConstructorParameters<typeof CmaHeap>[1]; deps: CmaBulkDeps } {
  return {
    env: { buddy: machine.buddy, owners: machine.owners, events: machine.events, faults: machine.env.faults },
    deps: { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user },
  };
}

describe('argument assertions', () => {
  it.each([0, -1, 1.5, Number.NaN])('orderOfPages(%s) asserts', (pageCount) => {
    expect(() => orderOfPages(pageCount)).toThrow(/^orderOfPages: bad page count /);
  });

  it.each([0, 2048, 3 * 4096, 4096.5, Number.MAX_SAFE_INTEGER + 1])('chunkOrderOf(%s) asserts: not a power of two >= 4096', (chunkSizeBytes) => {
    expect(() => chunkOrderOf(chunkSizeBytes)).toThrow(/ is not a power of two >= 4096$/);
  });

  it('chunkOrderOf accepts a page and larger powers of two', () => {
    expect([4096, 65536, 2 * MiB].map(chunkOrderOf)).toEqual([0, 4, 9]);
  });

  it('vmFault: pgoff 0 maps the first page; negative or fractional pgoff asserts; the SIGBUS detail names both numbers', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const buffer = reservedHeap(machine).allocate(request(4));
    if (!buffer.ok) throw new Error(buffer.detail);
    expect(buffer.value.vmFault(0)).toEqual({ ok: true, value: buffer.value.pfn });
    expect(() => buffer.value.vmFault(-1)).toThrow(/^cma_heap_vm_fault: bad pgoff -1$/);
    expect(() => buffer.value.vmFault(0.5)).toThrow(/^cma_heap_vm_fault: bad pgoff 0.5$/);
    expect(() => buffer.value.vmFault(4)).toThrow(/^cma_heap_vm_fault: pgoff 4 == pagecount passes the 6\.1 check/);
    expect(buffer.value.vmFault(5)).toEqual({ ok: false, errno: 'EFAULT', detail: 'VM_FAULT_SIGBUS: pgoff 5 > pagecount 4' });
  });
});

describe('release paths', () => {
  it('a CMA heap buffer released twice asserts and the area is released only once', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const heap = reservedHeap(machine);
    const buffer = heap.allocate(request(4));
    if (!buffer.ok) throw new Error(buffer.detail);
    buffer.value.release();
    expect(Number(heap.area.nrPagesReleased)).toBe(4);
    expect(() => buffer.value.release()).toThrow(new RegExp(`^reserved: buffer at pfn ${buffer.value.pfn} released twice$`));
    expect(Number(heap.area.nrPagesReleased)).toBe(4);
  });

  it('releaseRange of a pfn outside the area asserts (cma_release refused)', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const heap = reservedHeap(machine);
    const outside = heap.area.pfnEnd + 10;
    expect(() => heap.releaseRange(outside, 1)).toThrow(new RegExp(`^reserved: cma_release refused pfn ${outside} \\(1 pages\\)$`));
  });

  it('a chunk heap buffer released twice asserts and its chunks are released only once', () => {
    const machine = machineWithChunkHeap();
    const heap = chunkHeap(machine);
    const buffer = heap.allocate(request(32));
    if (!buffer.ok) throw new Error(buffer.detail);
    buffer.value.release();
    expect(Number(heap.area.nrPagesReleased)).toBe(32);
    expect(() => buffer.value.release()).toThrow(/^chunk: buffer released twice$/);
    expect(Number(heap.area.nrPagesReleased)).toBe(32);
  });
});

describe('ENOMEM details', () => {
  it('the CMA heap prefixes cma_alloc\'s reason with the heap name', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const failed = reservedHeap(machine).allocate(request(8192));
    expect(failed.ok).toBe(false);
    if (failed.ok) return;
    expect(failed.errno).toBe('ENOMEM');
    expect(failed.detail).toMatch(/^reserved: \S/);
  });

  it('the chunk heap names the chunks that do not fit and the ALIGN that wraps', () => {
    const machine = machineWithChunkHeap();
    const tooMany = machine.heaps.dmaHeapIoctlAlloc('chunk', { lenBytes: BigInt(16 * MiB + 1), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(tooMany).toEqual({ ok: false, errno: 'ENOMEM', detail: 'chunk: 257 chunks of 16 pages exceed the 4096-page area reserved' });
    const wraps = machine.heaps.dmaHeapIoctlAlloc('chunk', { lenBytes: 2n ** 64n - 4096n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(wraps).toEqual({ ok: false, errno: 'ENOMEM', detail: `chunk: ALIGN(${2n ** 64n - 4096n}, 65536) wraps to 0` });
  });

  it('the chunk heap names the shortfall when a CMA buffer sits in one 2 MiB (pageblock) range of the area', () => {
    const machine = machineWithChunkHeap();
    const keep = alloc(machine, 'reserved', MiB);
    const failed = machine.heaps.dmaHeapIoctlAlloc('chunk', { lenBytes: BigInt(16 * MiB), fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(failed).toEqual({ ok: false, errno: 'ENOMEM', detail: 'chunk: only 224 of 256 order-4 chunks from reserved' });
    expect(chunkHeap(machine).area.bitmap.usedPages()).toBe(256);
    keep.close();
  });
});

describe('heap creation', () => {
  it('an area listed twice gets one CMA heap', () => {
    const machine = boot({ memMiB: 64, cmdline: 'cma=16M' });
    const { env, deps } = wiring(machine);
    const area = machine.cma.defaultArea as CmaArea;
    const heaps = createCmaHeaps([area, area], env, deps);
    expect(heaps.map((heap) => heap.name)).toEqual(['reserved']);
  });

  it('a chunk heap refuses a missing area and an empty one with EINVAL details', () => {
    const machine = machineWithChunkHeap();
    const { env, deps } = wiring(machine);
    const options = { name: 'c2', area: 'nosuch', chunkSizeBytes: 65536 };
    expect(createChunkHeap(options, undefined, env, deps)).toEqual({ ok: false, errno: 'EINVAL', detail: 'chunk heap c2: no CMA area named "nosuch"' });
    const empty = new CmaArea('empty', 0, 0, 0, machine.owners.register('test', 'empty'));
    expect(createChunkHeap({ ...options, area: 'empty' }, empty, env, deps)).toEqual({ ok: false, errno: 'EINVAL', detail: 'chunk heap c2: CMA area empty has no pages' });
  });
});
