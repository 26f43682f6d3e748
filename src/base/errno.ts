// Operating errors as values: Linux errno names, their strerror texts, and the Result type every fallible verb returns.

/** The Linux errno names pagelab returns. */
export type Errno =
  | 'EPERM' | 'ENOENT' | 'EINTR' | 'EIO' | 'EBADF' | 'EAGAIN' | 'ENOMEM' | 'EACCES' | 'EFAULT'
  | 'EBUSY' | 'EEXIST' | 'ENODEV' | 'ENOTDIR' | 'EISDIR' | 'EINVAL' | 'ENOSPC' | 'E2BIG' | 'ENOTTY' | 'ERANGE';

const STRERROR: Readonly<Record<Errno, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  E2BIG: 'Argument list too long',
  ENOTTY: 'Inappropriate ioctl for device',
  ERANGE: 'Numerical result out of range',
  ENODEV: 'No such device',
};

/** glibc's strerror() text for an errno name, as busybox `sh` prints it. */
export function strerror(errno: Errno): string {
  return STRERROR[errno];
}

/** True when `name` is one of the errno names pagelab knows. */
export function isErrno(name: string): name is Errno {
  return Object.prototype.hasOwnProperty.call(STRERROR, name);
}

export interface Ok<T> { readonly ok: true; readonly value: T }
export interface Err { readonly ok: false; readonly errno: Errno; readonly detail: string }
/** The outcome of a fallible operation: a value, or an errno with a human-readable detail. */
export type Result<T> = Ok<T> | Err;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err(errno: Errno, detail: string): Err {
  return { ok: false, errno, detail };
}
