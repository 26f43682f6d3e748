// One benchmark measurement row, shared by every bench module and the bench runner.

/** A measured number with its unit and an optional note on conditions. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
