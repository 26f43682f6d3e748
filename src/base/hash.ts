// StateHasher: a sha256 digest over typed arrays, numbers and strings, the building block of every stateHash().
import { createHash, type Hash } from 'node:crypto';

/**
 * Incremental sha256 over the simulator's state. Callers feed state in a fixed order; two machines
 * with equal state produce equal digests. Numbers are fed as little-endian float64 so integers and
 * fractions hash the same on every platform.
 */
export class StateHasher {
  private readonly hash: Hash = createHash('sha256');
  private readonly scratch = new DataView(new ArrayBuffer(8));

  /** Feeds the raw bytes of a typed array (or a view on part of one). */
  updateArray(view: ArrayBufferView): void {
    this.updateNumber(view.byteLength);
    this.hash.update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  }

  /** Feeds one number as a little-endian float64. */
  updateNumber(value: number): void {
    this.scratch.setFloat64(0, value, true);
    this.hash.update(new Uint8Array(this.scratch.buffer));
  }

  /** Feeds a string, length-prefixed so "ab"+"c" and "a"+"bc" differ. */
  updateString(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.updateNumber(bytes.byteLength);
    this.hash.update(bytes);
  }

  /** The hex digest; the hasher must not be used afterwards. */
  digestHex(): string {
    return this.hash.digest('hex');
  }
}
