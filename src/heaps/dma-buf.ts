// The dma-buf object: page chunks, size, references (fds, mappings, attachments), access modes from the fd flags, mapped reads and writes of page content tags; mirrors Linux 6.1 drivers/dma-buf/dma-buf.c (dma_buf_export, dma_buf_getfile, dma_buf_mmap_internal, dma_buf_llseek, dma_buf_fops) and the mmap checks of mm/mmap.c do_mmap().
//
// References: every open fd, every live mapping (a VMA holds the file) and every attachment (the
// importer's dma_buf_get) is one reference; the last one released calls the exporter's release
// (dma_buf_ops.release), which gives the pages back to the heap. Any use after that is EBADF.
// Access: the file's f_mode is OPEN_FMODE(fd_flags), so O_RDONLY reads, O_WRONLY writes, O_RDWR both
// and O_ACCMODE (3) neither. A MAP_SHARED mmap needs FMODE_READ always and FMODE_WRITE for PROT_WRITE
// (else EACCES); a range past the buffer's size is EINVAL. read(2)/write(2) on the fd: EBADF without
// FMODE_READ/FMODE_WRITE, otherwise EINVAL (dma_buf_fops has no read/write). A mapping without
// PROT_READ still reads on x86 (PROT_WRITE implies read); writing through a read-only mapping is
// EFAULT (the SIGSEGV a store would raise).
import { assert } from '../base/assert.ts';
import { err, ok, type Result } from '../base/errno.ts';
import type { StateHasher } from '../base/hash.ts';
import { PAGE_SIZE, type Order, type PageCount, type Pfn } from '../base/units.ts';
import type { PageTable } from '../mem/page-table.ts';
import { CONTENT_ZERO } from '../mem/page-state.ts';

/** open(2) access-mode and fd flags (x86-64 values) that DMA_HEAP_VALID_FD_FLAGS allows. */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_CLOEXEC = 0x80000;

/** One physically contiguous piece of a buffer: 2^order pages from `pfn` (one sg entry). */
export interface BufferChunk {
  readonly pfn: Pfn;
  readonly order: Order;
}

/**
 * What a heap's allocate hands to the dma-buf core (dma_buf_export_info plus dma_buf_ops.release).
 * `chunks` must cover at least `sizeBytes`; `release` is called exactly once, after the last reference.
 */
export interface HeapBuffer {
  /** The sg list, in order. */
  readonly chunks: readonly BufferChunk[];
  /** exp_info.size: the size userspace sees (lseek SEEK_END), a positive multiple of PAGE_SIZE. */
  readonly sizeBytes: number;
  /** dma_buf_ops.release: gives the pages back to the heap. */
  release(): void;
}

/** f_mode bits FMODE_READ/FMODE_WRITE as OPEN_FMODE(flags) computes them. */
export interface FileMode {
  readonly read: boolean;
  readonly write: boolean;
}

/** OPEN_FMODE(flags): ((flags + 1) & O_ACCMODE), so O_ACCMODE itself yields neither read nor write. */
export function openFmode(fdFlags: number): FileMode {
  const mode = (fdFlags + 1) & O_ACCMODE;
  return { read: (mode & 1) !== 0, write: (mode & 2) !== 0 };
}

/** The protection of a mapping: PROT_READ, PROT_WRITE or both. */
export type MapAccess = 'r' | 'w' | 'rw';

/** What a read through a mapping saw. */
export interface MappedRead {
  readonly pageCount: PageCount;
  /** Pages whose content tag is 0 (all bytes zero). */
  readonly zeroPages: PageCount;
  /** The content tag of the first non-zero page, or 0. */
  readonly firstTag: number;
}

interface MappingState {
  readonly access: MapAccess;
  readonly pageOffset: number;
  readonly pageCount: PageCount;
}

/** A dma-buf: created by DmaBufTable.export (the ioctl path), used through its methods. */
export class DmaBuf {
  /** First-page index of each chunk (prefix sums), for page lookups. */
  private readonly chunkStart: number[] = [];
  private openFds = 1;
  private readonly mappings = new Map<number, MappingState>();
  private readonly attachments = new Map<number, string>();
  private nextHandle = 1;
  private released = false;

  constructor(
    private readonly owner: DmaBufTable,
    /** Unique, increasing per machine (like the dmabuf inode number). */
    readonly id: number,
    /** The exporting heap (exp_name). */
    readonly heapName: string,
    /** The fd_flags the buffer was allocated with. */
    readonly fdFlags: number,
    private readonly backing: HeapBuffer,
  ) {
    let pages = 0;
    for (const chunk of backing.chunks) {
      this.chunkStart.push(pages);
      pages += 2 ** chunk.order;
    }
    assert(backing.sizeBytes > 0 && backing.sizeBytes % PAGE_SIZE === 0 && pages * PAGE_SIZE >= backing.sizeBytes,
      () => `dma-buf ${id}: ${pages} pages cannot back ${backing.sizeBytes} bytes`);
  }

  /** dmabuf->size in bytes (what lseek(fd, 0, SEEK_END) returns). */
  get sizeBytes(): number {
    return this.backing.sizeBytes;
  }

  /** The buffer's pages: ceil(size / PAGE_SIZE). */
  get pageCount(): PageCount {
    return this.backing.sizeBytes / PAGE_SIZE;
  }

  /** The sg list (read-only view). */
  get chunks(): readonly BufferChunk[] {
    return this.backing.chunks;
  }

  /** FMODE_READ/FMODE_WRITE of the buffer's file. */
  get fmode(): FileMode {
    return openFmode(this.fdFlags);
  }

  /** True once the last reference was dropped and the pages went back to the heap. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Open fds, live mappings and attachments: the file's reference count. */
  get refcount(): number {
    return this.openFds + this.mappings.size + this.attachments.size;
  }

  /** Open fds on the buffer. */
  get fdCount(): number {
    return this.openFds;
  }

  /** dup(2): one more fd. EBADF once no fd is open. */
  dup(): Result<void> {
    const usable = this.needFd('dup');
    if (!usable.ok) return usable;
    this.openFds++;
    return ok(undefined);
  }

  /** close(2) of one fd; the last reference releases the buffer. EBADF once no fd is open. */
  close(): Result<void> {
    const usable = this.needFd('close');
    if (!usable.ok) return usable;
    this.openFds--;
    this.releaseIfUnused();
    return ok(undefined);
  }

  /**
   * mmap(MAP_SHARED) of `pageCount` pages from `pageOffset` (default: the whole buffer) with
   * `access`; returns the mapping id. EBADF without an fd, EACCES when the file mode forbids the
   * access, EINVAL for an empty range or one past the end.
   */
  mmap(access: MapAccess, pageOffset = 0, pageCount: PageCount = this.pageCount - pageOffset): Result<number> {
    const usable = this.needFd('mmap');
    if (!usable.ok) return usable;
    // Why this order: do_mmap rejects an empty length first, then checks f_mode; the size check is dma_buf_mmap_internal's.
    if (pageCount <= 0 || pageOffset < 0) return err('EINVAL', `mmap of ${pageCount} pages at page ${pageOffset}`);
    const mode = this.fmode;
    if (access !== 'r' && !mode.write) return err('EACCES', `buffer ${this.id} was not opened for writing (fd_flags 0x${this.fdFlags.toString(16)})`);
    if (!mode.read) return err('EACCES', `buffer ${this.id} was not opened for reading (fd_flags 0x${this.fdFlags.toString(16)})`);
    if (pageOffset + pageCount > this.pageCount) return err('EINVAL', `pages ${pageOffset}..${pageOffset + pageCount} past the ${this.pageCount}-page buffer`);
    const id = this.nextHandle++;
    this.mappings.set(id, { access, pageOffset, pageCount });
    return ok(id);
  }

  /** munmap(2): drops the mapping's reference. EINVAL for a mapping that is not live. */
  munmap(mappingId: number): Result<void> {
    if (this.released || !this.mappings.delete(mappingId)) return err('EINVAL', `no live mapping ${mappingId} of buffer ${this.id}`);
    this.releaseIfUnused();
    return ok(undefined);
  }

  /** dma_buf_get + dma_buf_attach for `device`: returns the attachment id. EBADF without an fd. */
  attach(device: string): Result<number> {
    const usable = this.needFd('attach');
    if (!usable.ok) return usable;
    const id = this.nextHandle++;
    this.attachments.set(id, device);
    return ok(id);
  }

  /** dma_buf_detach + dma_buf_put. EINVAL for an attachment that is not live. */
  detach(attachmentId: number): Result<void> {
    if (this.released || !this.attachments.delete(attachmentId)) return err('EINVAL', `no live attachment ${attachmentId} of buffer ${this.id}`);
    this.releaseIfUnused();
    return ok(undefined);
  }

  /** Pages of live mapping `mappingId`, or undefined when it is not live. */
  mappingPages(mappingId: number): PageCount | undefined {
    return this.released ? undefined : this.mappings.get(mappingId)?.pageCount;
  }

  /** Live mappings. */
  get mappingCount(): number {
    return this.mappings.size;
  }

  /** Devices attached, in attach order. */
  attachedDevices(): string[] {
    return [...this.attachments.values()];
  }

  /**
   * Stores through mapping `mappingId` into its pages [pageOffset, pageOffset + pageCount) (relative
   * to the mapping): every page gets one fresh content tag, which is returned. EFAULT for a mapping
   * that is not live, a read-only mapping, or a range outside the mapping.
   */
  write(mappingId: number, pageOffset: number, pageCount: PageCount): Result<number> {
    const range = this.mappedRange(mappingId, pageOffset, pageCount);
    if (!range.ok) return range;
    if (range.value.access === 'r') return err('EFAULT', `mapping ${mappingId} of buffer ${this.id} is read-only`);
    const tag = this.owner.nextContentTag();
    this.forEachPage(range.value.first, pageCount, (index) => {
      // Why: PageTable has a verb for zeroing only; a store through a mapping is this one write.
      this.owner.table.content[index] = tag;
    });
    return ok(tag);
  }

  /** Loads through mapping `mappingId`: how many of the pages read as zero. EFAULT as for write. */
  read(mappingId: number, pageOffset: number, pageCount: PageCount): Result<MappedRead> {
    const range = this.mappedRange(mappingId, pageOffset, pageCount);
    if (!range.ok) return range;
    let zeroPages = 0;
    let firstTag = 0;
    this.forEachPage(range.value.first, pageCount, (index) => {
      const tag = this.owner.table.content[index] as number;
      if (tag === CONTENT_ZERO) zeroPages++;
      else if (firstTag === 0) firstTag = tag;
    });
    return ok({ pageCount, zeroPages, firstTag });
  }

  /** read(2) on the fd: EBADF without FMODE_READ, else EINVAL (dma_buf_fops has no read). */
  fdRead(): Result<never> {
    if (this.released || this.openFds === 0 || !this.fmode.read) return err('EBADF', `buffer ${this.id}: fd not open for reading`);
    return err('EINVAL', 'dma-buf files have no read operation');
  }

  /** write(2) on the fd: EBADF without FMODE_WRITE, else EINVAL (dma_buf_fops has no write). */
  fdWrite(): Result<never> {
    if (this.released || this.openFds === 0 || !this.fmode.write) return err('EBADF', `buffer ${this.id}: fd not open for writing`);
    return err('EINVAL', 'dma-buf files have no write operation');
  }

  /** lseek(fd, 0, SEEK_END): the size. EBADF without an fd. */
  sizeBySeek(): Result<number> {
    const usable = this.needFd('lseek');
    return usable.ok ? ok(this.sizeBytes) : usable;
  }

  /** The PFN of the buffer's page `pageIndex` (0-based). */
  pfnAt(pageIndex: number): Pfn {
    assert(Number.isInteger(pageIndex) && pageIndex >= 0 && pageIndex < this.pageCount, () => `buffer ${this.id}: no page ${pageIndex}`);
    let low = 0;
    let high = this.chunkStart.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.chunkStart[mid] as number) <= pageIndex) low = mid;
      else high = mid - 1;
    }
    return (this.backing.chunks[low] as BufferChunk).pfn + pageIndex - (this.chunkStart[low] as number);
  }

  /** Feeds the buffer's identity, references and chunks to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.id);
    hasher.updateString(this.heapName);
    hasher.updateNumber(this.fdFlags);
    hasher.updateNumber(this.sizeBytes);
    hasher.updateNumber(this.openFds);
    hasher.updateString(JSON.stringify([...this.mappings.entries()]));
    hasher.updateString(JSON.stringify([...this.attachments.entries()]));
    for (const chunk of this.backing.chunks) {
      hasher.updateNumber(chunk.pfn);
      hasher.updateNumber(chunk.order);
    }
  }

  private needFd(verb: string): Result<void> {
    if (this.released || this.openFds === 0) return err('EBADF', `${verb}: buffer ${this.id} has no open fd${this.released ? ' (released)' : ''}`);
    return ok(undefined);
  }

  private mappedRange(mappingId: number, pageOffset: number, pageCount: PageCount): Result<{ first: number; access: MapAccess }> {
    const mapping = this.released ? undefined : this.mappings.get(mappingId);
    if (mapping === undefined) return err('EFAULT', `no live mapping ${mappingId} of buffer ${this.id}`);
    if (!Number.isInteger(pageOffset) || !Number.isInteger(pageCount) || pageOffset < 0 || pageCount < 1 || pageOffset + pageCount > mapping.pageCount) {
      return err('EFAULT', `pages ${pageOffset}..${pageOffset + pageCount} outside the ${mapping.pageCount}-page mapping`);
    }
    return ok({ first: mapping.pageOffset + pageOffset, access: mapping.access });
  }

  private forEachPage(firstPage: number, pageCount: PageCount, visit: (index: number) => void): void {
    for (let page = firstPage; page < firstPage + pageCount; page++) visit(this.owner.table.pageIndex(this.pfnAt(page)));
  }

  private releaseIfUnused(): void {
    if (this.refcount > 0) return;
    this.released = true;
    this.owner.forget(this);
    this.backing.release();
  }
}

/** Every live dma-buf of one machine (db_list), and the source of fresh content tags. */
export class DmaBufTable {
  private readonly buffers = new Map<number, DmaBuf>();
  private nextId = 1;
  private lastTag = 0;

  constructor(readonly table: PageTable) {}

  /** dma_buf_export + dma_buf_fd: wraps a heap's buffer into a dma-buf with one open fd. */
  export(heapName: string, backing: HeapBuffer, fdFlags: number): DmaBuf {
    const buf = new DmaBuf(this, this.nextId++, heapName, fdFlags, backing);
    this.buffers.set(buf.id, buf);
    return buf;
  }

  /** Live buffers in creation order. */
  live(): DmaBuf[] {
    return [...this.buffers.values()];
  }

  /** The live buffer `id`, if any. */
  get(id: number): DmaBuf | undefined {
    return this.buffers.get(id);
  }

  /** A content tag no page carries yet (1, 2, ...; wraps past 2^32 - 1 skipping 0). */
  nextContentTag(): number {
    this.lastTag = this.lastTag >= 0xffff_ffff ? 1 : this.lastTag + 1;
    return this.lastTag;
  }

  /** Feeds every live buffer and the tag counter to `hasher`. */
  hashInto(hasher: StateHasher): void {
    hasher.updateNumber(this.nextId);
    hasher.updateNumber(this.lastTag);
    hasher.updateNumber(this.buffers.size);
    for (const buf of this.buffers.values()) buf.hashInto(hasher);
  }

  /** Called by a buffer when its last reference goes. */
  forget(buf: DmaBuf): void {
    this.buffers.delete(buf.id);
  }
}
