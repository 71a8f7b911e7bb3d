import { describe, it } from 'vitest';
import { missingBinaries } from '../../src/lab/binaries.js';

/**
 * Decides whether an end-to-end test on the lab can run. Without the lab binaries it skips with a message locally,
 * but fails where the lab is required (CI sets MUTINY_REQUIRE_LAB=1), so a broken build never passes as a skip.
 * Returns true when the binaries are present.
 */
export function labAvailable(testName: string): boolean {
  const missing = missingBinaries();
  if (missing.length === 0) return true;
  const hint = `run \`mutiny lab build\``;
  if (process.env.MUTINY_REQUIRE_LAB === '1') {
    describe(`${testName} prerequisites`, () => {
      it('has the lab binaries', () => {
        throw new Error(`MUTINY_REQUIRE_LAB=1 but lab binaries are missing: ${missing.join(', ')}; ${hint}`);
      });
    });
  } else {
    console.warn(`skipping the ${testName}: lab binaries missing (${missing.join(', ')}); ${hint} (CI sets MUTINY_REQUIRE_LAB=1 and fails instead)`);
  }
  return false;
}
