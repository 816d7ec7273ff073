import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Vitest global setup: compiles the bridge to dist/ (incrementally) before any test runs, so tests
 * that start `bin/flex-bridge.js` run the code as it ships, never a stale build.
 */
export default function build(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
