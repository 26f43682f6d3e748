// errno (src/base/errno.ts): strerror texts vs glibc's errlist, isErrno on names and non-names, and the exact ok()/err() shapes.
import { describe, expect, it } from 'vitest';
import { err, isErrno, ok, strerror, type Errno, type Result } from '../../src/base/errno.ts';

describe('strerror', () => {
  // glibc sysdeps/gnu/errlist.h (what `sh` on a glibc system prints after "write error: ").
  it.each<[Errno, string]>([
    ['EPERM', 'Operation not permitted'],
    ['ENOENT', 'No such file or directory'],
    ['EINTR', 'Interrupted system call'],
    ['EBADF', 'Bad file descriptor'],
    ['EAGAIN', 'Resource temporarily unavailable'],
    ['ENOMEM', 'Cannot allocate memory'],
    ['EACCES', 'Permission denied'],
    ['EFAULT', 'Bad address'],
    ['EBUSY', 'Device or resource busy'],
    ['EEXIST', 'File exists'],
    ['ENODEV', 'No such device'],
    ['ENOTDIR', 'Not a directory'],
    ['EISDIR', 'Is a directory'],
    ['EINVAL', 'Invalid argument'],
    ['ENOSPC', 'No space left on device'],
    ['E2BIG', 'Argument list too long'],
    ['ENOTTY', 'Inappropriate ioctl for device'],
    ['ERANGE', 'Numerical result out of range'],
  ])('%s reads "%s" as in glibc', (errno, text) => {
    expect(strerror(errno)).toBe(text);
  });

  // glibc's string/_strerror table (errlist.h): EIO is "Input/output error" (musl says "I/O error").
  it('EIO reads glibc\'s "Input/output error"', () => {
    expect(strerror('EIO')).toBe('Input/output error');
  });
});

describe('isErrno', () => {
  it('accepts every name strerror knows', () => {
    for (const name of ['EPERM', 'ENOENT', 'EIO', 'ENOMEM', 'EBUSY', 'EINVAL', 'ENOSPC', 'ERANGE', 'ENOTTY', 'E2BIG']) {
      expect(isErrno(name)).toBe(true);
    }
  });

  it('rejects errno names pagelab does not return, lower case, and empty strings', () => {
    for (const name of ['EWOULDBLOCK', 'ESRCH', 'enomem', 'ENOMEM ', '', 'OK']) expect(isErrno(name)).toBe(false);
  });

  it('is not fooled by Object.prototype property names', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) expect(isErrno(name)).toBe(false);
  });
});

describe('ok / err', () => {
  it('ok(value) is exactly { ok: true, value }', () => {
    expect(ok(42)).toStrictEqual({ ok: true, value: 42 });
    expect(ok(undefined)).toStrictEqual({ ok: true, value: undefined });
  });

  it('err(errno, detail) is exactly { ok: false, errno, detail }', () => {
    expect(err('ENOMEM', 'no pages of order 3')).toStrictEqual({ ok: false, errno: 'ENOMEM', detail: 'no pages of order 3' });
  });

  it('narrows through the ok discriminant', () => {
    const results: Result<number>[] = [ok(1), err('EBUSY', 'pinned')];
    const described = results.map((r) => (r.ok ? `value ${r.value}` : `${r.errno}: ${r.detail}`));
    expect(described).toEqual(['value 1', 'EBUSY: pinned']);
  });
});
