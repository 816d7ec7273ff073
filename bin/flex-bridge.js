#!/usr/bin/env node
// Runs the compiled bridge: `npm run build` writes dist/ (the container image ships it built).
try {
  await import('../dist/src/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/src/cli.js')) throw err;
  console.error('flex-bridge is not built: run `npm run build` first (it compiles src/ and adapters/ to dist/).');
  process.exitCode = 1;
}
