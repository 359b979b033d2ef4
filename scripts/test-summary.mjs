// Prints vitest's totals as one plain closing line ("tests: N passed, N failed, N skipped") that any
// CI can read, whatever reporter it knows.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
