// HandleTable (src/trace/handles.ts): explicit and automatic names, EEXIST for live duplicates, ENOENT lookups, set/delete, creation order.
import { describe, expect, it } from 'vitest';
import { HandleTable } from '../../src/trace/handles.ts';

describe('HandleTable naming', () => {
  it('makes automatic names from the prefix and a counter starting at 1', () => {
    const table = new HandleTable<number>('p', 'page');
    expect(table.put(10)).toEqual({ ok: true, value: 'p1' });
    expect(table.put(20)).toEqual({ ok: true, value: 'p2' });
  });

  it('stores an explicit name as given', () => {
    const table = new HandleTable<string>('buf', 'dma-buf');
    expect(table.put('x', 'video')).toEqual({ ok: true, value: 'video' });
    expect(table.get('video')).toEqual({ ok: true, value: 'x' });
  });

  it('refuses an explicit name that is already live with EEXIST naming the kind, and keeps the old value', () => {
    const table = new HandleTable<number>('p', 'page');
    table.put(1, 'a');
    expect(table.put(2, 'a')).toEqual({ ok: false, errno: 'EEXIST', detail: 'page handle "a" is already live' });
    expect(table.get('a')).toEqual({ ok: true, value: 1 });
  });

  it('skips automatic names already taken explicitly', () => {
    const table = new HandleTable<number>('p', 'page');
    table.put(0, 'p1');
    table.put(0, 'p2');
    expect(table.put(3)).toEqual({ ok: true, value: 'p3' });
  });

  it('never reuses an automatic number, even after its handle is deleted', () => {
    const table = new HandleTable<number>('r', 'range');
    table.put(1);
    table.delete('r1');
    expect(table.put(2)).toEqual({ ok: true, value: 'r2' });
  });

  it('lets a deleted explicit name be used again', () => {
    const table = new HandleTable<number>('p', 'page');
    table.put(1, 'a');
    table.delete('a');
    expect(table.put(2, 'a')).toEqual({ ok: true, value: 'a' });
  });
});

describe('HandleTable lookup and update', () => {
  it('returns ENOENT naming the kind and handle for an unknown or deleted handle', () => {
    const table = new HandleTable<number>('u', 'user mapping');
    expect(table.get('u1')).toEqual({ ok: false, errno: 'ENOENT', detail: 'no live user mapping handle "u1"' });
    table.put(5);
    table.delete('u1');
    expect(table.get('u1').ok).toBe(false);
  });

  it('finds falsy values (0, "") as live', () => {
    const table = new HandleTable<number | string>('h', 'thing');
    table.put(0, 'zero');
    table.put('', 'empty');
    expect(table.get('zero')).toEqual({ ok: true, value: 0 });
    expect(table.get('empty')).toEqual({ ok: true, value: '' });
  });

  it('replaces a live value with set() without moving it in the creation order', () => {
    const table = new HandleTable<number>('p', 'page');
    table.put(1);
    table.put(2);
    table.set('p1', 100);
    expect(table.list()).toEqual([['p1', 100], ['p2', 2]]);
  });

  it('deleting an unknown handle is a no-op', () => {
    const table = new HandleTable<number>('p', 'page');
    table.put(1);
    table.delete('nope');
    expect(table.list()).toEqual([['p1', 1]]);
  });

  it('lists live handles in creation order, mixing explicit and automatic names', () => {
    const table = new HandleTable<string>('b', 'buffer');
    table.put('one');
    table.put('two', 'zz');
    table.put('three');
    table.delete('b1');
    table.put('four', 'aa');
    expect(table.list()).toEqual([['zz', 'two'], ['b2', 'three'], ['aa', 'four']]);
  });

  it('returns a fresh array from list(), so callers cannot edit the table through it', () => {
    const table = new HandleTable<number>('p', 'page');
    table.put(1);
    table.list().pop();
    expect(table.list()).toHaveLength(1);
  });

  it('keeps separate tables independent (one counter and namespace each)', () => {
    const pages = new HandleTable<number>('p', 'page');
    const buffers = new HandleTable<number>('p', 'buffer');
    pages.put(1);
    expect(buffers.put(1)).toEqual({ ok: true, value: 'p1' });
  });
});
