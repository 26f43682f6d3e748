// Heap registry and DMA_HEAP_IOCTL_ALLOC details: dma_heap_add and ioctl error details, the u32/u64 argument assertions, the heap_alloc counter, and what the registry feeds the state hash.
import { describe, expect, it } from 'vitest';
import { err } from '../../src/base/errno.ts';
import type { StateHasher } from '../../src/base/hash.ts';
import { NUM_HEAP_MINORS, type DmaHeap, type DmaHeapAllocArgs } from '../../src/heaps/dma-heap.ts';
import { alloc, boot, RDWR_CLOEXEC } from './heap-fixtures.ts';

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;

function refusing(name: string): DmaHeap {
  return { name, allocate: () => err('ENOMEM', 'never') };
}

describe('dma_heap_add details', () => {
  it('names the reason for each refusal', () => {
    const machine = boot();
    expect(machine.heaps.add(refusing(''))).toEqual({ ok: false, errno: 'EINVAL', detail: 'cannot add a heap without a name' });
    expect(machine.heaps.add({ name: 'noop' } as unknown as DmaHeap)).toEqual({ ok: false, errno: 'EINVAL', detail: 'heap "noop" has no allocate operation' });
    expect(machine.heaps.add(refusing('system'))).toEqual({ ok: false, errno: 'EINVAL', detail: 'already registered heap named system' });
    for (let i = machine.heaps.names().length; i < NUM_HEAP_MINORS; i++) expect(machine.heaps.add(refusing(`h${i}`)).ok).toBe(true);
    expect(machine.heaps.add(refusing('one-too-many'))).toEqual({ ok: false, errno: 'EBUSY', detail: `all ${NUM_HEAP_MINORS} dma-heap minors are in use` });
  });
});

describe('DMA_HEAP_IOCTL_ALLOC argument assertions (the uapi types)', () => {
  const base: DmaHeapAllocArgs = { lenBytes: 4096n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n };
  const misuse: [string, DmaHeapAllocArgs, RegExp][] = [
    ['a negative len', { ...base, lenBytes: -1n }, /^len -1 is not a u64$/],
    ['a len above 2^64 - 1', { ...base, lenBytes: U64_MAX + 1n }, /^len 18446744073709551616 is not a u64$/],
    ['negative heap_flags', { ...base, heapFlags: -1n }, /^heap_flags -1 is not a u64$/],
    ['heap_flags above 2^64 - 1', { ...base, heapFlags: U64_MAX + 1n }, /^heap_flags 18446744073709551616 is not a u64$/],
    ['negative fd_flags', { ...base, fdFlags: -1 }, /^fd_flags -1 is not a u32$/],
    ['fractional fd_flags', { ...base, fdFlags: 2.5 }, /^fd_flags 2.5 is not a u32$/],
    ['fd_flags above 2^32 - 1', { ...base, fdFlags: U32_MAX + 1 }, /^fd_flags 4294967296 is not a u32$/],
  ];
  it.each(misuse)('asserts on %s', (_name, args, message) => {
    const machine = boot();
    expect(() => machine.heaps.dmaHeapIoctlAlloc('system', args)).toThrow(message);
  });

  it('accepts the extreme u32 and u64 values as arguments and answers with errnos', () => {
    const machine = boot();
    expect(machine.heaps.dmaHeapIoctlAlloc('system', { ...base, fdFlags: U32_MAX })).toMatchObject({ errno: 'EINVAL', detail: 'fd_flags 0xffffffff outside O_CLOEXEC|O_ACCMODE' });
    expect(machine.heaps.dmaHeapIoctlAlloc('system', { ...base, lenBytes: U64_MAX })).toMatchObject({ errno: 'EINVAL', detail: `len ${U64_MAX} is 0 after PAGE_ALIGN` });
    expect(machine.heaps.dmaHeapIoctlAlloc('system', { ...base, heapFlags: U64_MAX })).toMatchObject({ errno: 'EINVAL', detail: 'heap_flags 0xffffffffffffffff: no heap flag is valid' });
  });
});

describe('DMA_HEAP_IOCTL_ALLOC errno details', () => {
  it('names the heap, the fd, the flags and the len', () => {
    const machine = boot();
    const args: DmaHeapAllocArgs = { lenBytes: 4096n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n };
    expect(machine.heaps.dmaHeapIoctlAlloc('nope', args)).toEqual({ ok: false, errno: 'ENOENT', detail: '/dev/dma_heap/nope: no such heap' });
    expect(machine.heaps.dmaHeapIoctlAlloc('system', { ...args, fd: 3 })).toEqual({ ok: false, errno: 'EINVAL', detail: 'fd must be 0 on input (got 3)' });
    expect(machine.heaps.dmaHeapIoctlAlloc('system', { ...args, fdFlags: 0x40 })).toEqual({ ok: false, errno: 'EINVAL', detail: 'fd_flags 0x40 outside O_CLOEXEC|O_ACCMODE' });
    expect(machine.heaps.dmaHeapIoctlAlloc('system', { ...args, heapFlags: 1n })).toEqual({ ok: false, errno: 'EINVAL', detail: 'heap_flags 0x1: no heap flag is valid' });
    expect(machine.heaps.dmaHeapIoctlAlloc('system', { ...args, lenBytes: 0n })).toEqual({ ok: false, errno: 'EINVAL', detail: 'len 0 is 0 after PAGE_ALIGN' });
  });

  it('counts heap_alloc per success and heap_alloc_fail per heap refusal, not per ioctl check', () => {
    const machine = boot();
    expect(machine.heaps.add(refusing('refuses')).ok).toBe(true);
    alloc(machine, 'system', 4096);
    alloc(machine, 'system', 8192);
    machine.heaps.dmaHeapIoctlAlloc('refuses', { lenBytes: 4096n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    machine.heaps.dmaHeapIoctlAlloc('system', { lenBytes: 0n, fdFlags: RDWR_CLOEXEC, heapFlags: 0n });
    expect(machine.events.get('heap_alloc')).toBe(2);
    expect(machine.events.get('heap_alloc_fail')).toBe(1);
  });
});

describe('DmaHeapRegistry.hashInto', () => {
  it('feeds each registered heap its own hashInto, so heap-private state reaches the machine hash', () => {
    const machine = boot();
    let generation = 0;
    const heap: DmaHeap = { ...refusing('stateful'), hashInto: (hasher: StateHasher) => hasher.updateNumber(generation) };
    expect(machine.heaps.add(heap).ok).toBe(true);
    const before = machine.stateHash();
    generation = 1;
    expect(machine.stateHash()).not.toBe(before);
  });

  it('feeds the live buffers: an attachment alone changes the machine hash', () => {
    const machine = boot();
    const buf = alloc(machine, 'system', 4096);
    const before = machine.stateHash();
    expect(buf.attach('gpu').ok).toBe(true);
    expect(machine.stateHash()).not.toBe(before);
  });
});
