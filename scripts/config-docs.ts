/**
 * Writes docs/configuration.md and config/example.env from the settings table in src/config.ts.
 * `npm run docs:config`; test/docs/config-docs.test.ts fails when the committed files differ.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigurationMarkdown, renderExampleEnv } from './config-reference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = { 'docs/configuration.md': renderConfigurationMarkdown(), 'config/example.env': renderExampleEnv() };
for (const [path, text] of Object.entries(outputs)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
