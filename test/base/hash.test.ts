// StateHasher (src/base/hash.ts): sha256 stability, the documented encodings (LE float64 numbers, length prefixes, raw array bytes), order sensitivity.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/base/hash.ts';

function digest(feed: (h: StateHasher) => void): string {
  const hasher = new StateHasher();
  feed(hasher);
  return hasher.digestHex();
}

function f64le(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleLE(value, 0);
  return buffer;
}

function sha256(...parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

describe('StateHasher encodings', () => {
  it('digests nothing to the sha256 of the empty string', () => {
    expect(digest(() => {})).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('feeds a number as its 8 little-endian float64 bytes', () => {
    expect(digest((h) => h.updateNumber(1))).toBe(sha256(f64le(1)));
    expect(digest((h) => h.updateNumber(0.5))).toBe(sha256(f64le(0.5)));
    expect(digest((h) => h.updateNumber(2 ** 40 + 3))).toBe(sha256(f64le(2 ** 40 + 3)));
  });

  it('feeds a string as its UTF-8 byte length (a float64) then its UTF-8 bytes', () => {
    const text = 'zone Normal — ü';
    const bytes = Buffer.from(text, 'utf8');
    expect(digest((h) => h.updateString(text))).toBe(sha256(f64le(bytes.byteLength), bytes));
  });

  it('feeds a typed array as its byte length then its raw bytes', () => {
    const array = new Uint16Array([1, 0x0203]);
    const bytes = Buffer.from(array.buffer);
    expect(digest((h) => h.updateArray(array))).toBe(sha256(f64le(4), bytes));
  });

  it('hashes only the bytes a subarray view covers, not the whole buffer', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    expect(digest((h) => h.updateArray(whole.subarray(2, 5)))).toBe(digest((h) => h.updateArray(new Uint8Array([1, 2, 3]))));
  });

  it('hashes arrays by bytes, so different element types with the same bytes agree', () => {
    const u32 = new Uint32Array([0x04030201]);
    expect(digest((h) => h.updateArray(u32))).toBe(digest((h) => h.updateArray(new Uint8Array([1, 2, 3, 4]))));
  });

  it('returns a 64-character lowercase hex digest', () => {
    expect(digest((h) => h.updateString('x'))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('StateHasher stability and sensitivity', () => {
  const feed = (h: StateHasher): void => {
    h.updateNumber(7);
    h.updateString('cma0');
    h.updateArray(new Uint8Array([1, 2, 3]));
  };

  it('gives the same digest for the same feed every time', () => {
    expect(digest(feed)).toBe(digest(feed));
  });

  it('depends on feed order', () => {
    expect(digest((h) => { h.updateNumber(1); h.updateNumber(2); })).not.toBe(digest((h) => { h.updateNumber(2); h.updateNumber(1); }));
  });

  it('separates string boundaries: "ab"+"c" differs from "a"+"bc"', () => {
    expect(digest((h) => { h.updateString('ab'); h.updateString('c'); })).not.toBe(digest((h) => { h.updateString('a'); h.updateString('bc'); }));
  });

  it('separates array boundaries: [1,2]+[3] differs from [1]+[2,3]', () => {
    const split = (a: number[], b: number[]) => digest((h) => { h.updateArray(new Uint8Array(a)); h.updateArray(new Uint8Array(b)); });
    expect(split([1, 2], [3])).not.toBe(split([1], [2, 3]));
  });

  it('distinguishes an empty string from no string and the number 0 from nothing', () => {
    expect(digest((h) => h.updateString(''))).not.toBe(digest(() => {}));
    expect(digest((h) => h.updateNumber(0))).not.toBe(digest(() => {}));
  });

  it('changes when one byte of an array changes', () => {
    expect(digest((h) => h.updateArray(new Uint8Array([1, 2, 3])))).not.toBe(digest((h) => h.updateArray(new Uint8Array([1, 2, 4]))));
  });

  it('distinguishes 0 from -0 (they differ as float64 bytes)', () => {
    expect(digest((h) => h.updateNumber(0))).not.toBe(digest((h) => h.updateNumber(-0)));
  });

  it('cannot be used after digestHex()', () => {
    const hasher = new StateHasher();
    hasher.digestHex();
    expect(() => hasher.digestHex()).toThrow();
  });
});
