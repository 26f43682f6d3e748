// The virtual file system traces talk to: registered pseudo-files (debugfs, procfs, /dev), implicit directories, and the errno Linux 6.1 returns for each way of opening, reading or writing them.
//
// Errno choices, read from Linux 6.1 (the caller is root, so permission bits never stop an open:
// CAP_DAC_OVERRIDE; what fails is the missing file operation):
// - A debugfs/simple attribute (DEFINE_DEBUGFS_ATTRIBUTE, DEFINE_SIMPLE_ATTRIBUTE, debugfs_create_u32
//   and friends) always has both .read and .write; simple_attr_read() returns -EACCES when the
//   attribute has no get(), simple_attr_write() returns -EACCES when it has no set() (fs/libfs.c).
//   So writing a 0400 u32 file or cma's used/count, and reading cma's 0200 alloc/free, give EACCES.
//   Flavor 'simple-attr'.
// - A file whose file_operations lack .read/.write (debugfs_create_u32_array's u32_array_fops, seq_file
//   show files): do_dentry_open() leaves FMODE_CAN_READ/FMODE_CAN_WRITE unset (the debugfs proxies
//   only forward operations the real fops has: __full_proxy_fops_init, open_proxy_open), and
//   vfs_read()/vfs_write() return -EINVAL. Flavor 'fops'.
// - A procfs file (/proc/meminfo, /proc/buddyinfo): proc_reg_write()/proc_reg_read() (pde_write,
//   pde_read) return -EIO when the proc_ops has no such operation. Flavor 'proc'.
// - open(O_WRONLY|O_CREAT) of a missing name in an existing debugfs/procfs/sysfs directory: the
//   directory inode has no ->create, so lookup_open() returns -EACCES; a missing parent gives -ENOENT.
// - A directory: open(O_WRONLY) gives EISDIR and read() of an opened directory gives EISDIR; a path
//   through a file gives ENOTDIR.
import { assert } from '../base/assert.ts';
import { err, ok, type Errno, type Result } from '../base/errno.ts';

/** How a trace opens a file: `cat` opens for reading, `echo ... >` for writing (O_CREAT|O_TRUNC). */
export type OpenMode = 'read' | 'write';

/** The file operations a trace uses. Paths are absolute; `open` reports only what open(2) would. */
export interface VirtualFs {
  /** What open(2) of `path` in `mode` returns: ENOENT, EACCES (no create in a pseudo-fs), ... */
  open(path: string, mode: OpenMode): Result<void>;
  /** Opens `path` for reading and reads it to the end. */
  read(path: string): Result<string>;
  /** Opens `path` for writing and writes `text` with one write(2). */
  write(path: string, text: string): Result<void>;
}

/** How a file without a read or write handler fails (see the header). */
export type FileFlavor = 'simple-attr' | 'fops' | 'proc';

/** What a registered file can do; a missing handler fails the way its flavor says. */
export interface FileHandlers {
  /** Produces the file's whole content. */
  readonly read?: () => Result<string>;
  /** Consumes one write(2) of `text`. */
  readonly write?: (text: string) => Result<void>;
  /** Default 'simple-attr' (debugfs attributes such as /sys/kernel/debug/cma/AREA/alloc). */
  readonly flavor?: FileFlavor;
}

const MISSING_OP_ERRNO: Readonly<Record<FileFlavor, Errno>> = { 'simple-attr': 'EACCES', fops: 'EINVAL', proc: 'EIO' };

const IS_A_DIRECTORY: Errno = 'EISDIR';
const NOT_A_DIRECTORY: Errno = 'ENOTDIR';

/**
 * Lexical path resolution as the kernel does it without symlinks: repeated slashes collapse, `.` is
 * dropped, `..` goes up (and stays at `/`). Returns undefined for a relative path.
 */
export function normalizePath(path: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A VirtualFs whose files are registered by the layers that own them (cma debugfs, procfs, heaps). */
export class VfsRegistry implements VirtualFs {
  private readonly files = new Map<string, FileHandlers>();
  /** Directory path → names of its entries. Every ancestor of a registered path is a directory. */
  private readonly directories = new Map<string, Set<string>>([['/', new Set()]]);

  /** Creates `path` and its ancestors as directories (no-op for an existing one); asserts no file is in the way. */
  registerDirectory(path: string): void {
    const canonical = this.canonical(path);
    if (this.directories.has(canonical)) return;
    assert(!this.files.has(canonical), () => `vfs: ${canonical} is already a file`);
    const parent = parentOf(canonical);
    this.registerDirectory(parent);
    this.directories.get(parent)?.add(baseName(canonical));
    this.directories.set(canonical, new Set());
  }

  /** Creates the file `path` (and its parent directories); asserts it does not exist yet. */
  registerFile(path: string, handlers: FileHandlers): void {
    const canonical = this.canonical(path);
    assert(canonical !== '/' && !this.files.has(canonical) && !this.directories.has(canonical),
      () => `vfs: ${canonical} is already registered`);
    const parent = parentOf(canonical);
    this.registerDirectory(parent);
    this.directories.get(parent)?.add(baseName(canonical));
    this.files.set(canonical, handlers);
  }

  /** The entry names of directory `path`, sorted; ENOENT when it does not exist. */
  list(path: string): Result<string[]> {
    const canonical = normalizePath(path);
    if (canonical !== undefined && this.files.has(canonical)) return err(NOT_A_DIRECTORY, `${path} is not a directory`);
    const entries = canonical === undefined ? undefined : this.directories.get(canonical);
    if (entries === undefined) return err('ENOENT', `no such directory ${path}`);
    return ok([...entries].sort());
  }

  /** True when `path` names a registered file (not a directory). */
  isFile(path: string): boolean {
    const canonical = normalizePath(path);
    return canonical !== undefined && this.files.has(canonical);
  }

  /** open(2) of `path`: registered files open; directories open for reading only; see the header for errnos. */
  open(path: string, mode: OpenMode): Result<void> {
    const canonical = normalizePath(path);
    if (canonical === undefined) return err('ENOENT', `relative path ${path} (paths must start with /)`);
    if (this.files.has(canonical)) return ok(undefined);
    if (this.directories.has(canonical)) {
      return mode === 'read' ? ok(undefined) : err(IS_A_DIRECTORY, `${path} is a directory`);
    }
    const parent = parentOf(canonical);
    if (this.files.has(parent)) return err(NOT_A_DIRECTORY, `${parent} is not a directory`);
    if (!this.directories.has(parent)) return err('ENOENT', `no such directory ${parent}`);
    if (mode === 'read') return err('ENOENT', `no such file ${canonical}`);
    return err('EACCES', `cannot create ${canonical}: pseudo file systems have no create operation`);
  }

  /** open + read: the file's read handler, or its flavor's errno when it has none. */
  read(path: string): Result<string> {
    const handlers = this.opened(path, 'read');
    if (!handlers.ok) return handlers;
    const { read, flavor = 'simple-attr' } = handlers.value;
    if (read === undefined) return err(MISSING_OP_ERRNO[flavor], `${path} cannot be read (${flavor} without a read operation)`);
    return read();
  }

  /** open + write: the file's write handler, or its flavor's errno when it has none. */
  write(path: string, text: string): Result<void> {
    const handlers = this.opened(path, 'write');
    if (!handlers.ok) return handlers;
    const { write, flavor = 'simple-attr' } = handlers.value;
    if (write === undefined) return err(MISSING_OP_ERRNO[flavor], `${path} cannot be written (${flavor} without a write operation)`);
    return write(text);
  }

  /** open(2) then the handlers of the file; reading an opened directory fails as read(2) would. */
  private opened(path: string, mode: OpenMode): Result<FileHandlers> {
    const opened = this.open(path, mode);
    if (!opened.ok) return opened;
    const handlers = this.files.get(normalizePath(path) ?? '');
    if (handlers === undefined) return err(IS_A_DIRECTORY, `${path} is a directory`);
    return ok(handlers);
  }

  private canonical(path: string): string {
    const canonical = normalizePath(path);
    assert(canonical === path, () => `vfs: register with a canonical absolute path, not "${path}"`);
    return canonical;
  }
}
