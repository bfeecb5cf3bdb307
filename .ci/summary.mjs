// Prints one closing line for the whole run from the vitest and Playwright JSON reports.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
// Vitest's reports: the unit tests and the PyTorch export's tests (tests/pytorch).
for (const file of ['test-results/unit.json', 'test-results/pytorch.json']) {
  if (!existsSync(file)) continue;
  const u = JSON.parse(readFileSync(file, 'utf8'));
  passed += u.numPassedTests;
  failed += u.numFailedTests;
  skipped += u.numPendingTests + (u.numTodoTests ?? 0);
}
if (existsSync('test-results/e2e.json')) {
  const e = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'));
  passed += e.stats.expected;
  failed += e.stats.unexpected + (e.stats.flaky ?? 0);
  skipped += e.stats.skipped;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
