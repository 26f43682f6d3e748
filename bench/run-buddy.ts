// Prints the buddy benchmark rows: node --import tsx bench/run-buddy.ts
import { benchBuddy } from './buddy.ts';

for (const row of await benchBuddy()) {
  console.log(`${row.name.padEnd(44)} ${String(row.value).padStart(14)} ${row.unit}${row.note === undefined ? '' : `  (${row.note})`}`);
}
