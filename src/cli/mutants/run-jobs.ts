// Runs asynchronous jobs with at most N at a time, results in input order.

/** Runs `tasks` with at most `jobs` of them in flight; resolves with their results in input order. */
export async function runJobs<T>(tasks: readonly (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  return results;
}
