// Buffer, mapping and attachment handles of the dma-buf sim verbs at run time: automatic names, unknown and closed handles, names already live (the extra reference is given back), default device, and partial maps, writes and reads.
import { describe, expect, it } from 'vitest';
import { runLines, simTarget } from './trace-fixtures.ts';

describe('handle names', () => {
  it('without as=, buffers are b1, b2..., mappings m1..., attachments a1...', () => {
    const out = runLines([
      'sim heap-alloc system 4K',
      'sim heap-alloc system 8K',
      'sim buf-dup b1',
      'sim buf-map b2',
      'sim buf-attach b2',
      'sim buf-attach b3 isp',
      'sim buf-stat b2',
    ], simTarget());
    expect(out.stdout).toEqual([
      '1 ok b1 len=4096 chunks=1 orders=0:1',
      '2 ok b2 len=8192 chunks=2 orders=0:2',
      '3 ok b3',
      '4 ok m1 pages=2',
      '5 ok a1',
      '6 ok a2',
      '7 heap=system len=8192 refs=3 fds=1 maps=1 attach=1 released=0',
    ]);
    expect(out.stderr).toBe('');
  });

  it('an unknown handle is ENOENT naming the handle and its kind, for every verb', () => {
    const out = runLines([
      'sim buf-dup nosuch',
      'sim buf-close nosuch',
      'sim buf-map nosuch',
      'sim buf-attach nosuch',
      'sim buf-stat nosuch',
      'sim buf-unmap nosuch',
      'sim buf-write nosuch',
      'sim buf-read nosuch',
      'sim buf-detach nosuch',
    ], simTarget());
    expect(out.stdout).toEqual(['1 err ENOENT', '2 err ENOENT', '3 err ENOENT', '4 err ENOENT', '5 err ENOENT', '6 err ENOENT', '7 err ENOENT', '8 err ENOENT', '9 err ENOENT']);
    expect(out.stderr.split('\n')).toEqual([
      'sim buf-dup: no live buffer handle "nosuch"',
      'sim buf-close: no live buffer handle "nosuch"',
      'sim buf-map: no live buffer handle "nosuch"',
      'sim buf-attach: no live buffer handle "nosuch"',
      'sim buf-stat: no live buffer handle "nosuch"',
      'sim buf-unmap: no live mapping handle "nosuch"',
      'sim buf-write: no live mapping handle "nosuch"',
      'sim buf-read: no live mapping handle "nosuch"',
      'sim buf-detach: no live attachment handle "nosuch"',
      '',
    ]);
  });

  it('a name that is live is EEXIST, and the buffer, fd, mapping or attachment just made is given back', () => {
    const t = simTarget();
    const out = runLines([
      'sim heap-alloc system 4K as=b',
      'sim heap-alloc system 1M as=b',
      'sim buf-dup b as=b',
      'sim buf-map b as=m',
      'sim buf-map b r as=m',
      'sim buf-attach b gpu as=g',
      'sim buf-attach b isp as=g',
      'sim buf-stat b',
    ], t);
    expect(out.stdout).toEqual([
      '1 ok b len=4096 chunks=1 orders=0:1',
      '2 err EEXIST',
      '3 err EEXIST',
      '4 ok m pages=1',
      '5 err EEXIST',
      '6 ok g',
      '7 err EEXIST',
      '8 heap=system len=4096 refs=3 fds=1 maps=1 attach=1 released=0',
    ]);
    expect(out.stderr.split('\n')).toEqual([
      'sim heap-alloc: buffer handle "b" is already live',
      'sim buf-dup: buffer handle "b" is already live',
      'sim buf-map: mapping handle "m" is already live',
      'sim buf-attach: attachment handle "g" is already live',
      '',
    ]);
    const live = t.machine.heaps.buffers.live();
    expect(live.map((buf) => buf.sizeBytes)).toEqual([4096]);
    expect(live[0]!.attachedDevices()).toEqual(['gpu']);
  });
});

describe('closed buffer handles', () => {
  it('a closed handle is EBADF even while another fd keeps the buffer open; buf-stat still reads it', () => {
    const out = runLines([
      'sim heap-alloc system 4K as=b',
      'sim buf-dup b as=c',
      'sim buf-close b',
      'sim buf-close b',
      'sim buf-map b',
      'sim buf-dup b',
      'sim buf-attach b',
      'sim buf-stat b',
      'sim buf-map c r',
      'sim buf-close c',
      'sim buf-unmap m1',
    ], simTarget());
    expect(out.stdout).toEqual([
      '1 ok b len=4096 chunks=1 orders=0:1',
      '2 ok c',
      '3 ok refs=1',
      '4 err EBADF',
      '5 err EBADF',
      '6 err EBADF',
      '7 err EBADF',
      '8 heap=system len=4096 refs=1 fds=1 maps=0 attach=0 released=0',
      '9 ok m1 pages=1',
      '10 ok refs=1',
      '11 ok refs=0',
    ]);
    expect(out.stderr.split('\n')).toEqual([
      'sim buf-close: buffer handle "b" was closed',
      'sim buf-map: buffer handle "b" was closed',
      'sim buf-dup: buffer handle "b" was closed',
      'sim buf-attach: buffer handle "b" was closed',
      '',
    ]);
  });
});

describe('attachments', () => {
  it('the device defaults to "dev"; a named device is kept as given', () => {
    const t = simTarget();
    const out = runLines(['sim heap-alloc system 4K as=b', 'sim buf-attach b', 'sim buf-attach b gpu', 'sim buf-detach a1', 'sim buf-stat b'], t);
    expect(out.stdout).toEqual(['1 ok b len=4096 chunks=1 orders=0:1', '2 ok a1', '3 ok a2', '4 ok refs=2', '5 heap=system len=4096 refs=2 fds=1 maps=0 attach=1 released=0']);
    expect(t.machine.heaps.buffers.live()[0]!.attachedDevices()).toEqual(['gpu']);
  });

  it('buf-attach without a device attaches "dev"', () => {
    const t = simTarget();
    runLines(['sim heap-alloc system 4K as=b', 'sim buf-attach b'], t);
    expect(t.machine.heaps.buffers.live()[0]!.attachedDevices()).toEqual(['dev']);
  });
});

describe('partial maps, writes and reads', () => {
  it('off= without pages= maps, writes and reads up to the end; pages= alone starts at 0', () => {
    const out = runLines([
      'sim heap-alloc system 64K as=b',
      'sim buf-map b off=4',
      'sim buf-map b r off=2 pages=3 as=part',
      'sim buf-map b r pages=5 as=head',
      'sim buf-write m1 off=10',
      'sim buf-read m1 off=8',
      'sim buf-read m1 pages=10',
      'sim buf-read m1',
      'sim buf-write m1 pages=1',
      'sim buf-read m1 off=1 pages=9',
      'sim buf-read head',
      'sim buf-read part',
    ], simTarget());
    expect(out.stdout).toEqual([
      '1 ok b len=65536 chunks=1 orders=4:1',
      '2 ok m1 pages=12',
      '3 ok part pages=3',
      '4 ok head pages=5',
      '5 ok tag=1 pages=2',
      '6 ok zero=0 pages=4 dirty=2 tag=1',
      '7 ok zero=1 pages=10',
      '8 ok zero=0 pages=12 dirty=2 tag=1',
      '9 ok tag=2 pages=1',
      '10 ok zero=1 pages=9',
      '11 ok zero=0 pages=5 dirty=1 tag=2',
      '12 ok zero=0 pages=3 dirty=1 tag=2',
    ]);
    expect(out.stderr).toBe('');
  });

  it('an offset at the end of the buffer or the mapping leaves nothing: mmap is EINVAL, a read or write EFAULT', () => {
    const out = runLines([
      'sim heap-alloc system 16K as=b',
      'sim buf-map b off=4',
      'sim buf-map b off=2',
      'sim buf-read m1 off=2',
      'sim buf-write m1 off=2',
      'sim buf-read m1 off=1',
    ], simTarget());
    expect(out.stdout).toEqual(['1 ok b len=16384 chunks=4 orders=0:4', '2 err EINVAL', '3 ok m1 pages=2', '4 err EFAULT', '5 err EFAULT', '6 ok zero=1 pages=1']);
    expect(out.stderr.split('\n')).toEqual([
      'sim buf-map: mmap of 0 pages at page 4',
      'sim buf-read: pages 2..2 outside the 2-page mapping',
      'sim buf-write: pages 2..2 outside the 2-page mapping',
      '',
    ]);
  });
});
