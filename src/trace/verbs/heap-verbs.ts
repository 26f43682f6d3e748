// `sim` verbs for dma-buf heaps (buffers kept open across statements, dup/close, mappings, reads and writes through them, attachments), shrinkers and memory pressure, plus the `dma-heap-alloc` probe of TRACE.md.
//
// The probe reports `len=` as the dma-buf's size, i.e. PAGE_ALIGN(len) for the system and CMA heaps and
// ALIGN(len, chunk size) for a chunk heap: what a real probe reads with lseek(fd, 0, SEEK_END)
// (dma_buf_llseek returns dmabuf->size).
import { err, ok, type Result } from '../../base/errno.ts';
import { MAX_PAGE_ORDER } from '../../base/units.ts';
import type { DmaBuf } from '../../heaps/dma-buf.ts';
import type { DmaHeapRegistry } from '../../heaps/dma-heap.ts';
import { CpaHeap } from '../../heaps/cpa-pool.ts';
import { SystemHeap } from '../../heaps/system-heap.ts';
import { GFP_KERNEL, parseGfp, type Gfp } from '../../mem/gfp.ts';
import type { Machine } from '../../machine/machine.ts';
import type { PressureReport } from '../../reclaim/pressure.ts';
import { HandleTable } from '../handles.ts';
import type { SimVerbRegistry } from '../sim-verbs.ts';
import { expectPositionals, handleOption, intOption, parseIntArg, splitArgs } from '../verb-args.ts';

/** O_RDWR | O_CLOEXEC, the fd flags heap-alloc uses by default (as dma-heap-alloc does). */
const DEFAULT_FD_FLAGS = 0x80002;
const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;
const MAX_PAGES_ARG = 2 ** 31;

/** An fd a trace holds on a dma-buf. */
interface FdHandle {
  readonly buf: DmaBuf;
  open: boolean;
}

/** A mapping a trace holds. */
interface MapHandle {
  readonly buf: DmaBuf;
  readonly id: number;
}

/** An attachment a trace holds. */
interface AttachHandle {
  readonly buf: DmaBuf;
  readonly id: number;
}

/** The handle tables of the heap verbs. */
interface HeapHandles {
  readonly fds: HandleTable<FdHandle>;
  readonly maps: HandleTable<MapHandle>;
  readonly attachments: HandleTable<AttachHandle>;
}

/**
 * The dma-heap-alloc probe: open + DMA_HEAP_IOCTL_ALLOC, lseek(SEEK_END) for the size, mmap
 * PROT_READ/MAP_SHARED of the whole buffer, check every page is zero, munmap, close. Returns the
 * line TRACE.md specifies.
 */
export function dmaHeapProbe(heaps: DmaHeapRegistry, heap: string, lenBytes: bigint, fdFlags: number, heapFlags: bigint): string {
  const allocated = heaps.dmaHeapIoctlAlloc(heap, { lenBytes, fd: 0, fdFlags, heapFlags });
  if (!allocated.ok) return `err ${allocated.errno}`;
  const buf = allocated.value;
  const size = buf.sizeBytes;
  const mapping = buf.mmap('r');
  let line: string;
  if (!mapping.ok) {
    line = `ok len=${size} mmap=${mapping.errno}`;
  } else {
    const seen = buf.read(mapping.value, 0, buf.pageCount);
    line = `ok len=${size} zero=${seen.ok && seen.value.zeroPages === buf.pageCount ? 1 : 0}`;
    buf.munmap(mapping.value);
  }
  buf.close();
  return line;
}

/** LEN: decimal or 0x-hex, optionally with a K/M/G suffix; a u64. */
function parseLen(text: string | undefined): Result<bigint> {
  const match = text === undefined ? null : /^(0x[0-9a-fA-F]+|0|[1-9][0-9]*)([KMG]?)$/.exec(text);
  if (match === null) return err('EINVAL', `LEN must be a number (decimal, 0x-hex, optional K/M/G suffix), got "${text ?? ''}"`);
  const shift = { '': 0n, K: 10n, M: 20n, G: 30n }[match[2] as '' | 'K' | 'M' | 'G'];
  const value = BigInt(match[1] as string) << shift;
  return value > U64_MAX ? err('EINVAL', `LEN ${text} does not fit in 64 bits`) : ok(value);
}

function describeChunks(buf: DmaBuf): string {
  const perOrder = new Map<number, number>();
  for (const chunk of buf.chunks) perOrder.set(chunk.order, (perOrder.get(chunk.order) ?? 0) + 1);
  const orders = [...perOrder.entries()].sort((a, b) => b[0] - a[0]).map(([order, count]) => `${order}:${count}`);
  return `chunks=${buf.chunks.length} orders=${orders.join(',')}`;
}

interface AllocArgs { heap: string; lenBytes: bigint; fdFlags: number; as: string | undefined }

function registerHeapAlloc(registry: SimVerbRegistry, machine: Machine, handles: HeapHandles): void {
  registry.register<AllocArgs>({
    verb: 'heap-alloc',
    usage: 'heap-alloc HEAP LEN [FD_FLAGS] [as=NAME]',
    summary: 'DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/HEAP (FD_FLAGS default O_RDWR|O_CLOEXEC) and keeps the fd; prints "ok NAME len=BYTES chunks=N orders=ORDER:COUNT,..."',
    parseArgs: (args) => {
      const split = splitArgs(args, ['as']);
      if (!split.ok) return split;
      const { positional, options } = split.value;
      const count = expectPositionals(positional, 2, 3, 'HEAP LEN [FD_FLAGS]');
      if (!count.ok) return count;
      const lenBytes = parseLen(positional[1]);
      if (!lenBytes.ok) return lenBytes;
      const fdFlags = positional[2] === undefined ? ok(DEFAULT_FD_FLAGS) : parseIntArg(positional[2], 'FD_FLAGS', 0, U32_MAX);
      if (!fdFlags.ok) return fdFlags;
      const as = handleOption(options);
      if (!as.ok) return as;
      return ok({ heap: positional[0] as string, lenBytes: lenBytes.value, fdFlags: fdFlags.value, as: as.value });
    },
    run: (a) => {
      const buf = machine.heaps.dmaHeapIoctlAlloc(a.heap, { lenBytes: a.lenBytes, fdFlags: a.fdFlags, heapFlags: 0n });
      if (!buf.ok) return buf;
      const name = handles.fds.put({ buf: buf.value, open: true }, a.as);
      if (!name.ok) {
        buf.value.close();
        return name;
      }
      return ok(`ok ${name.value} len=${buf.value.sizeBytes} ${describeChunks(buf.value)}`);
    },
  });
}

/** The open fd behind a handle: ENOENT for an unknown handle, EBADF once it was closed. */
function openFd(handles: HeapHandles, name: string): Result<FdHandle> {
  const fd = handles.fds.get(name);
  if (!fd.ok) return fd;
  return fd.value.open ? fd : err('EBADF', `buffer handle "${name}" was closed`);
}

function oneName(args: readonly string[], what: string): Result<string> {
  return args.length === 1 ? ok(args[0] as string) : err('EINVAL', `expected one ${what} handle, got ${args.length} arguments`);
}

function registerFdVerbs(registry: SimVerbRegistry, handles: HeapHandles): void {
  registry.register<{ name: string; as: string | undefined }>({
    verb: 'buf-dup',
    usage: 'buf-dup NAME [as=NAME2]',
    summary: 'dup(2) of a buffer fd: one more reference; prints "ok NAME2"',
    parseArgs: (args) => {
      const split = splitArgs(args, ['as']);
      if (!split.ok) return split;
      const name = oneName(split.value.positional, 'buffer');
      if (!name.ok) return name;
      const as = handleOption(split.value.options);
      return as.ok ? ok({ name: name.value, as: as.value }) : as;
    },
    run: (a) => {
      const fd = openFd(handles, a.name);
      if (!fd.ok) return fd;
      const dup = fd.value.buf.dup();
      if (!dup.ok) return dup;
      const name = handles.fds.put({ buf: fd.value.buf, open: true }, a.as);
      if (!name.ok) fd.value.buf.close();
      return name.ok ? ok(`ok ${name.value}`) : name;
    },
  });
  registry.register<string>({
    verb: 'buf-close',
    usage: 'buf-close NAME',
    summary: 'close(2) of a buffer fd; prints "ok refs=N" (0: the buffer went back to its heap)',
    parseArgs: (args) => oneName(args, 'buffer'),
    run: (name) => {
      const fd = openFd(handles, name);
      if (!fd.ok) return fd;
      const closed = fd.value.buf.close();
      if (!closed.ok) return closed;
      fd.value.open = false;
      return ok(`ok refs=${fd.value.buf.refcount}`);
    },
  });
}

interface MapArgs { name: string; access: 'r' | 'w' | 'rw'; off: number; pages: number | undefined; as: string | undefined }

function parseMap(args: readonly string[]): Result<MapArgs> {
  const split = splitArgs(args, ['off', 'pages', 'as']);
  if (!split.ok) return split;
  const { positional, options } = split.value;
  const count = expectPositionals(positional, 1, 2, 'NAME [r|w|rw]');
  if (!count.ok) return count;
  const access = positional[1] ?? 'rw';
  if (access !== 'r' && access !== 'w' && access !== 'rw') return err('EINVAL', `access must be r, w or rw, got "${access}"`);
  const off = intOption(options, 'off', 0, 0, MAX_PAGES_ARG);
  if (!off.ok) return off;
  const pages = options.has('pages') ? intOption(options, 'pages', 1, 0, MAX_PAGES_ARG) : ok(undefined);
  if (!pages.ok) return pages;
  const as = handleOption(options);
  if (!as.ok) return as;
  return ok({ name: positional[0] as string, access, off: off.value, pages: pages.value, as: as.value });
}

interface RangeArgs { name: string; off: number; pages: number | undefined }

function parseRange(args: readonly string[]): Result<RangeArgs> {
  const split = splitArgs(args, ['off', 'pages']);
  if (!split.ok) return split;
  const name = oneName(split.value.positional, 'mapping');
  if (!name.ok) return name;
  const off = intOption(split.value.options, 'off', 0, 0, MAX_PAGES_ARG);
  if (!off.ok) return off;
  const pages = split.value.options.has('pages') ? intOption(split.value.options, 'pages', 1, 1, MAX_PAGES_ARG) : ok(undefined);
  return pages.ok ? ok({ name: name.value, off: off.value, pages: pages.value }) : pages;
}

function registerMapVerbs(registry: SimVerbRegistry, handles: HeapHandles): void {
  registry.register<MapArgs>({
    verb: 'buf-map',
    usage: 'buf-map NAME [r|w|rw] [off=PAGE] [pages=N] [as=MAP]',
    summary: 'mmap(MAP_SHARED) of a buffer (default rw, the whole buffer); EACCES when the fd flags forbid it; prints "ok MAP pages=N"',
    parseArgs: parseMap,
    run: (a) => {
      const fd = openFd(handles, a.name);
      if (!fd.ok) return fd;
      const buf = fd.value.buf;
      const pages = a.pages ?? buf.pageCount - a.off;
      const mapped = buf.mmap(a.access, a.off, pages);
      if (!mapped.ok) return mapped;
      const name = handles.maps.put({ buf, id: mapped.value }, a.as);
      if (!name.ok) buf.munmap(mapped.value);
      return name.ok ? ok(`ok ${name.value} pages=${pages}`) : name;
    },
  });
  registry.register<string>({
    verb: 'buf-unmap',
    usage: 'buf-unmap MAP',
    summary: 'munmap(2) of a mapping; prints "ok refs=N"',
    parseArgs: (args) => oneName(args, 'mapping'),
    run: (name) => {
      const map = handles.maps.get(name);
      if (!map.ok) return map;
      const unmapped = map.value.buf.munmap(map.value.id);
      if (!unmapped.ok) return unmapped;
      handles.maps.delete(name);
      return ok(`ok refs=${map.value.buf.refcount}`);
    },
  });
  registry.register<RangeArgs>({
    verb: 'buf-write',
    usage: 'buf-write MAP [off=PAGE] [pages=N]',
    summary: 'stores through a mapping (default: all of it): the pages get a fresh content tag; prints "ok tag=T pages=N"',
    parseArgs: parseRange,
    run: (a) => {
      const map = handles.maps.get(a.name);
      if (!map.ok) return map;
      const pages = a.pages ?? mappedPages(map.value) - a.off;
      const tag = map.value.buf.write(map.value.id, a.off, pages);
      return tag.ok ? ok(`ok tag=${tag.value} pages=${pages}`) : tag;
    },
  });
  registry.register<RangeArgs>({
    verb: 'buf-read',
    usage: 'buf-read MAP [off=PAGE] [pages=N]',
    summary: 'loads through a mapping; prints "ok zero=1 pages=N", or "ok zero=0 pages=N dirty=K tag=T" naming the first non-zero tag',
    parseArgs: parseRange,
    run: (a) => {
      const map = handles.maps.get(a.name);
      if (!map.ok) return map;
      const pages = a.pages ?? mappedPages(map.value) - a.off;
      const seen = map.value.buf.read(map.value.id, a.off, pages);
      if (!seen.ok) return seen;
      const { zeroPages, firstTag } = seen.value;
      return ok(zeroPages === pages ? `ok zero=1 pages=${pages}` : `ok zero=0 pages=${pages} dirty=${pages - zeroPages} tag=${firstTag}`);
    },
  });
}

/** Pages of a live mapping (1 when it is gone: the access then fails with EFAULT). */
function mappedPages(map: MapHandle): number {
  return map.buf.mappingPages(map.id) ?? 1;
}

function registerAttachVerbs(registry: SimVerbRegistry, handles: HeapHandles): void {
  registry.register<{ name: string; device: string; as: string | undefined }>({
    verb: 'buf-attach',
    usage: 'buf-attach NAME [DEVICE] [as=ATT]',
    summary: 'dma_buf_get + dma_buf_attach by a device (default "dev"): one more reference; prints "ok ATT"',
    parseArgs: (args) => {
      const split = splitArgs(args, ['as']);
      if (!split.ok) return split;
      const count = expectPositionals(split.value.positional, 1, 2, 'NAME [DEVICE]');
      if (!count.ok) return count;
      const as = handleOption(split.value.options);
      if (!as.ok) return as;
      return ok({ name: split.value.positional[0] as string, device: split.value.positional[1] ?? 'dev', as: as.value });
    },
    run: (a) => {
      const fd = openFd(handles, a.name);
      if (!fd.ok) return fd;
      const attached = fd.value.buf.attach(a.device);
      if (!attached.ok) return attached;
      const name = handles.attachments.put({ buf: fd.value.buf, id: attached.value }, a.as);
      if (!name.ok) fd.value.buf.detach(attached.value);
      return name.ok ? ok(`ok ${name.value}`) : name;
    },
  });
  registry.register<string>({
    verb: 'buf-detach',
    usage: 'buf-detach ATT',
    summary: 'dma_buf_detach + dma_buf_put; prints "ok refs=N"',
    parseArgs: (args) => oneName(args, 'attachment'),
    run: (name) => {
      const att = handles.attachments.get(name);
      if (!att.ok) return att;
      const detached = att.value.buf.detach(att.value.id);
      if (!detached.ok) return detached;
      handles.attachments.delete(name);
      return ok(`ok refs=${att.value.buf.refcount}`);
    },
  });
  registry.register<string>({
    verb: 'buf-stat',
    usage: 'buf-stat NAME',
    summary: 'prints a buffer\'s heap, size, references (fds, mappings, attachments) and whether it was released',
    parseArgs: (args) => oneName(args, 'buffer'),
    run: (name) => {
      const fd = handles.fds.get(name);
      if (!fd.ok) return fd;
      const buf = fd.value.buf;
      return ok(`heap=${buf.heapName} len=${buf.sizeBytes} refs=${buf.refcount} fds=${buf.fdCount} maps=${buf.mappingCount} attach=${buf.attachedDevices().length} released=${buf.isReleased ? 1 : 0}`);
    },
  });
}

interface PressureArgs { pages: number; gfp: Gfp; kswapd: boolean; compactOrder: number | undefined }

function parsePressure(args: readonly string[]): Result<PressureArgs> {
  const split = splitArgs(args, ['order']);
  if (!split.ok) return split;
  const { positional, options } = split.value;
  const count = expectPositionals(positional, 1, 3, 'PAGES [GFP] [kswapd]');
  if (!count.ok) return count;
  const pages = parseIntArg(positional[0], 'PAGES', 0, MAX_PAGES_ARG);
  if (!pages.ok) return pages;
  const rest = positional.slice(1);
  const kswapd = rest.includes('kswapd');
  const gfpText = rest.find((word) => word !== 'kswapd');
  const gfp = gfpText === undefined ? ok(GFP_KERNEL) : parseGfp(gfpText);
  if (!gfp.ok) return gfp;
  const compactOrder = options.has('order') ? intOption(options, 'order', 1, 1, MAX_PAGE_ORDER) : ok(undefined);
  return compactOrder.ok ? ok({ pages: pages.value, gfp: gfp.value, kswapd, compactOrder: compactOrder.value }) : compactOrder;
}

/** The pressure verb's line: shrinker results, then compaction results when it ran. */
function pressureLine(report: PressureReport): string {
  const shrunk = `ok asked=${report.askedPages} freed=${report.freedPages} priority=${report.lastPriority}`;
  if (report.compaction === undefined) return shrunk;
  return `${shrunk} migrated=${report.compaction.migratedPages} rebuilt=${report.compaction.blocksRebuilt}`;
}

function registerPressureVerbs(registry: SimVerbRegistry, machine: Machine): void {
  registry.register<PressureArgs>({
    verb: 'pressure',
    usage: 'pressure PAGES [GFP] [kswapd] [order=N]',
    summary: 'a memory-pressure event asking for PAGES back: shrinkers at priority 12..0 until met, then (with order=N) compaction for a free order-N block; prints "ok asked=N freed=F priority=P", plus " migrated=M rebuilt=B" when compaction ran',
    parseArgs: parsePressure,
    run: (a) => {
      const options = { gfp: a.gfp, isKswapd: a.kswapd, ...(a.compactOrder === undefined ? {} : { compactOrder: a.compactOrder }) };
      return ok(pressureLine(machine.pressure.apply(a.pages, options)));
    },
  });
  registry.register<{ name: string | undefined; pages: number }>({
    verb: 'shrink',
    usage: 'shrink [NAME] PAGES',
    summary: 'scan_objects with nr_to_scan=PAGES on one shrinker (as its debugfs scan file does; prints "ok freed=F count=BEFORE after=AFTER"), or on each in turn until PAGES went (prints "ok freed=F")',
    parseArgs: (args) => {
      const count = expectPositionals(args, 1, 2, '[NAME] PAGES');
      if (!count.ok) return count;
      const pages = parseIntArg(args[args.length - 1], 'PAGES', 0, MAX_PAGES_ARG);
      return pages.ok ? ok({ name: args.length === 2 ? args[0] : undefined, pages: pages.value }) : pages;
    },
    run: (a) => shrinkVerb(machine, a.name, a.pages),
  });
  registry.register<number>({
    verb: 'fatal',
    usage: 'fatal [COUNT]',
    summary: 'arms the fatal_signal fault site: the next COUNT (default 1) fatal_signal_pending() checks see a SIGKILL; prints "ok armed=N"',
    parseArgs: (args) => (args.length === 0 ? ok(1) : args.length === 1 ? parseIntArg(args[0], 'COUNT', 0, 1 << 20) : err('EINVAL', 'fatal takes at most one number')),
    run: (count) => {
      machine.env.faults.arm('fatal_signal', count);
      return ok(`ok armed=${machine.env.faults.armedCount('fatal_signal')}`);
    },
  });
}

function shrinkVerb(machine: Machine, name: string | undefined, pages: number): Result<string> {
  if (name !== undefined) {
    const report = machine.shrinkers.scanOne(name, pages, GFP_KERNEL);
    if (!report.ok) return report;
    return ok(`ok freed=${report.value.freedPages} count=${report.value.countBefore} after=${report.value.countAfter}`);
  }
  let freed = 0;
  for (const each of machine.shrinkers.names()) {
    if (freed >= pages) break;
    const report = machine.shrinkers.scanOne(each, pages - freed, GFP_KERNEL);
    if (report.ok) freed += report.value.freedPages;
  }
  return ok(`ok freed=${freed}`);
}

/** `heap NAME pools=VARIANT pages=N CACHING/oORDER=BLOCKS...` and `heap NAME deferred items=N pages=P` for a system-heap family. */
function systemHeapLines(heap: SystemHeap): string[] {
  const pools = heap.pools;
  const variant = pools === undefined ? 'none' : `${pools.options.variant}${pools.options.variant === 'shrinker' ? `/${pools.options.style}` : ''}`;
  const blocks = pools === undefined ? [] : pools.describePools();
  const lines = [[`heap ${heap.name} pools=${variant} pages=${pools?.pooledPages() ?? 0}`, ...blocks].join(' ')];
  if (heap.deferred !== undefined) lines.push(`heap ${heap.name} deferred items=${heap.deferred.itemCount} pages=${heap.deferred.listNrPages}`);
  return lines;
}

/** One line per pool-holding heap part and per shrinker. */
function poolStatLines(machine: Machine): string[] {
  const lines: string[] = [];
  for (const name of machine.heaps.names()) {
    const heap = machine.heaps.get(name);
    if (heap instanceof SystemHeap && heap.isFamilyHead) lines.push(...systemHeapLines(heap));
    if (heap instanceof CpaHeap) {
      const { pool } = heap;
      const { lowmark, fillmark, highmark } = pool.options;
      lines.push(`heap ${name} blocks=${pool.blockCount} low=${lowmark} fill=${fillmark} high=${highmark} refill=${pool.isRefillPending ? 1 : 0}`);
    }
  }
  for (const name of machine.shrinkers.names()) {
    const count = machine.shrinkers.count(name, GFP_KERNEL);
    if (count.ok) lines.push(`shrinker ${name} count=${count.value < 0 ? 'SHRINK_EMPTY' : count.value}`);
  }
  return lines;
}

function registerInspection(registry: SimVerbRegistry, machine: Machine): void {
  const noArgs = (args: readonly string[]): Result<void> => (args.length === 0 ? ok(undefined) : err('EINVAL', 'takes no arguments'));
  registry.register<void>({
    verb: 'pool-stat',
    usage: 'pool-stat',
    summary: 'prints the page pools (pages, and blocks per CACHING/oORDER), the deferred-free list, CPA pools and every shrinker\'s count',
    parseArgs: noArgs,
    run: () => ok(poolStatLines(machine).join('\n')),
  });
  registry.register<void>({
    verb: 'heaps',
    usage: 'heaps',
    summary: 'lists the heaps under /dev/dma_heap in registration order',
    parseArgs: noArgs,
    run: () => ok(machine.heaps.names().join(' ')),
  });
}

/** Registers every heap, shrinker and pressure verb on `registry`. */
export function registerHeapVerbs(registry: SimVerbRegistry, machine: Machine): void {
  const handles: HeapHandles = {
    fds: new HandleTable<FdHandle>('b', 'buffer'),
    maps: new HandleTable<MapHandle>('m', 'mapping'),
    attachments: new HandleTable<AttachHandle>('a', 'attachment'),
  };
  registerHeapAlloc(registry, machine, handles);
  registerFdVerbs(registry, handles);
  registerMapVerbs(registry, handles);
  registerAttachVerbs(registry, handles);
  registerPressureVerbs(registry, machine);
  registerInspection(registry, machine);
}
