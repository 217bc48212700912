// Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader can find,
// and the slowest suites before it, so the CI log shows where its time goes.
import { relative } from 'node:path';

const SLOWEST_SHOWN = 15;

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const timed = results.testResults
      .filter((r) => r.perfStats?.end && r.perfStats?.start)
      .map((r) => ({ path: relative(process.cwd(), r.testFilePath), seconds: (r.perfStats.end - r.perfStats.start) / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
    const total = timed.reduce((sum, r) => sum + r.seconds, 0);
    if (timed.length) {
      process.stdout.write(`\nslowest suites (of ${timed.length}, ${total.toFixed(0)} s in all):\n`);
      for (const r of timed.slice(0, SLOWEST_SHOWN)) process.stdout.write(`  ${r.seconds.toFixed(1).padStart(6)} s  ${r.path}\n`);
    }
    process.stdout.write(`\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}
