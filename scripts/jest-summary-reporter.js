// Prints one plain closing line, "Tests: N passed, N failed", that any CI can read.
'use strict';
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suffix = skipped ? `, ${skipped} skipped` : '';
    process.stdout.write(`Tests: ${results.numPassedTests} passed, ${results.numFailedTests + results.numRuntimeErrorTestSuites} failed${suffix}\n`);
  }
}
module.exports = SummaryReporter;
