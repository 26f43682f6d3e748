// Fixtures of the CMA tests on a booted machine: the cma_alloc / cma_alloc_bulk dependencies and the default `reserved` area.
import type { CmaArea } from '../../src/cma/cma-area.ts';
import type { CmaBulkDeps } from '../../src/cma/cma-bulk.ts';
import type { Machine } from '../../src/machine/machine.ts';

/** What cma_alloc and cma_alloc_bulk need from `machine`. */
export function deps(machine: Machine): CmaBulkDeps {
  return { contig: machine.contig, events: machine.events, buddy: machine.buddy, user: machine.user };
}

/** The area `cma=` declared (named "reserved", as Linux names the default area). */
export function reserved(machine: Machine): CmaArea {
  const area = machine.cma.area('reserved');
  if (area === undefined) throw new Error('no reserved area');
  return area;
}
