// Draws the session's property seed once (or takes PAGELAB_SEED) and prints it with a one-line reproduction.
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): void {
  const fromEnv = process.env['PAGELAB_SEED'];
  const seed = fromEnv !== undefined && fromEnv !== '' ? fromEnv : String((Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0);
  process.env['PAGELAB_SEED'] = seed;
  project.provide('pagelabSeed', seed);
  process.stdout.write(`\npagelab: property seed ${seed} (reproduce with: PAGELAB_SEED=${seed} npm test)\n\n`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pagelabSeed: string;
  }
}
