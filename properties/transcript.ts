// Transcript lines for replay: each applied op with its result and the counters that matter after it.
import type { OpRecord, RunResult } from './run-sequence.ts';

/** `  12  freePages target 3 → #3 pfn 2048 order 3   [free 15872 pcp 12 isolated 0 allocated 240 live 17]`. */
export function formatRecordLine(record: OpRecord, indexWidth: number): string {
  const { free, pcp, isolated, allocated, live } = record.facts;
  return `  ${String(record.index).padStart(indexWidth)}  ${record.text}   [free ${free} pcp ${pcp} isolated ${isolated} allocated ${allocated} live ${live}]`;
}

/** Every record of a recorded run, one line each. */
export function formatTranscript(result: RunResult): string[] {
  const width = String(Math.max(result.records.length - 1, 0)).length;
  return result.records.map((record) => formatRecordLine(record, width));
}
