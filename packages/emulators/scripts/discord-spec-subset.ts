/**
 * Writes src/discord/spec/openapi-subset.json: the operations the Discord emulator serves, cut from
 * Discord's official OpenAPI definition (https://github.com/discord/discord-api-spec, MIT), with the
 * schemas they use. The emulator checks every REST request it receives, and every answer it gives, against it.
 *
 *   npx tsx packages/emulators/scripts/discord-spec-subset.ts <git dir of discord-api-spec>
 *   npx tsx packages/emulators/scripts/discord-spec-subset.ts <openapi.json> --commit <sha>
 *
 * From a git directory (a clone's `.git` or a bare mirror) it reads specs/openapi.json and LICENSE
 * at HEAD and records HEAD's commit; from a file it records the commit you name and keeps the
 * committed LICENSE.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES } from '../src/discord/rest-handlers.js';
import { specPathOf, subsetOf, type OpenApiDocument } from './openapi-subset.js';

const SPEC_FILE = 'specs/openapi.json';
const outDir = join(dirname(fileURLToPath(import.meta.url)), '../src/discord/spec');

function readSource(args: string[]): { spec: string; commit: string; license?: string } {
  const [source, flag, commitArg] = args;
  if (source === undefined) throw new Error('usage: discord-spec-subset.ts <git dir> | <openapi.json> --commit <sha>');
  if (statSync(source).isDirectory()) {
    const git = (...gitArgs: string[]) => execFileSync('git', [`--git-dir=${source}`, ...gitArgs], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { spec: git('show', `HEAD:${SPEC_FILE}`), commit: git('rev-parse', 'HEAD').trim(), license: git('show', 'HEAD:LICENSE') };
  }
  if (flag !== '--commit' || !/^[0-9a-f]{40}$/.test(commitArg ?? '')) throw new Error('a spec file needs --commit <the 40-hex commit of discord/discord-api-spec it is from>');
  return { spec: readFileSync(source, 'utf8'), commit: commitArg! };
}

const { spec: text, commit, license } = readSource(process.argv.slice(2));
const spec = JSON.parse(text) as OpenApiDocument;
const operations = ROUTES.map((route) => ({ method: route.method, path: specPathOf(spec, route.method, route.url) }));
const subset = subsetOf(spec, operations, {
  'x-source': {
    repository: 'https://github.com/discord/discord-api-spec',
    commit,
    file: SPEC_FILE,
    license: 'MIT (the LICENSE beside this file)',
    subset: 'the operations the emulator serves (src/discord/rest-handlers.ts): requests and response bodies (no response headers), and every schema they reference',
    generatedBy: 'packages/emulators/scripts/discord-spec-subset.ts',
  },
});
writeFileSync(join(outDir, 'openapi-subset.json'), `${JSON.stringify(subset, null, 2)}\n`);
if (license !== undefined) writeFileSync(join(outDir, 'LICENSE'), license);
console.log(
  `wrote ${operations.length} operations, ${Object.keys(subset.components?.responses ?? {}).length} responses and ${Object.keys(subset.components?.schemas ?? {}).length} schemas from discord-api-spec@${commit}`,
);
