// WorkerRegistry (src/env/workers.ts): workers run in registration order with the tick's times; names are unique.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/base/assert.ts';
import { WorkerRegistry, type BackgroundWorker } from '../../src/env/workers.ts';

function recorder(name: string, log: string[]): BackgroundWorker {
  return { name, run: (nowNs, elapsedNs) => log.push(`${name}@${nowNs}+${elapsedNs}`) };
}

describe('WorkerRegistry', () => {
  it('starts empty and runAll on an empty registry does nothing', () => {
    const registry = new WorkerRegistry();
    expect(registry.names()).toEqual([]);
    expect(() => registry.runAll(0, 0)).not.toThrow();
  });

  it('runs every worker once per runAll, in registration order (not name order), passing now and elapsed', () => {
    const log: string[] = [];
    const registry = new WorkerRegistry();
    registry.register(recorder('zeta', log));
    registry.register(recorder('alpha', log));
    registry.register(recorder('mid', log));
    registry.runAll(1000, 1000);
    registry.runAll(1500, 500);
    expect(log).toEqual([
      'zeta@1000+1000', 'alpha@1000+1000', 'mid@1000+1000',
      'zeta@1500+500', 'alpha@1500+500', 'mid@1500+500',
    ]);
  });

  it('lists names in run order', () => {
    const registry = new WorkerRegistry();
    for (const name of ['dmabuf-deferred-free', 'cpa-refill', 'kswapd0']) registry.register(recorder(name, []));
    expect(registry.names()).toEqual(['dmabuf-deferred-free', 'cpa-refill', 'kswapd0']);
  });

  it('returns a copy from names(), so callers cannot reorder the registry', () => {
    const registry = new WorkerRegistry();
    registry.register(recorder('a', []));
    registry.names().push('b');
    expect(registry.names()).toEqual(['a']);
  });

  it('rejects a second worker with a taken name and keeps only the first', () => {
    const log: string[] = [];
    const registry = new WorkerRegistry();
    registry.register(recorder('cpa-refill', log));
    const duplicate: BackgroundWorker = { name: 'cpa-refill', run: () => log.push('duplicate ran') };
    expect(() => registry.register(duplicate)).toThrow(AssertionError);
    expect(() => registry.register(duplicate)).toThrow('worker cpa-refill registered twice');
    registry.runAll(1, 1);
    expect(log).toEqual(['cpa-refill@1+1']);
    expect(registry.names()).toEqual(['cpa-refill']);
  });

  it('propagates a worker exception and does not run the workers after it', () => {
    const log: string[] = [];
    const registry = new WorkerRegistry();
    registry.register({ name: 'boom', run: () => { throw new Error('worker failed'); } });
    registry.register(recorder('after', log));
    expect(() => registry.runAll(0, 0)).toThrow('worker failed');
    expect(log).toEqual([]);
  });
});
