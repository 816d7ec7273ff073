/**
 * Writes src/twilio/spec/<file>.json: for each Twilio host the emulator serves, the operations it
 * serves, cut from Twilio's official OpenAPI definitions (https://github.com/twilio/twilio-oai, MIT)
 * with the schemas they use, request side only and without prose or examples. The emulator checks
 * every request it receives against them (src/twilio/contract/request-contract.ts).
 *
 *   npx tsx packages/emulators/scripts/twilio-spec-subset.ts <git dir of twilio-oai>
 *   npx tsx packages/emulators/scripts/twilio-spec-subset.ts <folder with spec/json/*.json and LICENSE> --commit <sha>
 *
 * From a git directory (a clone's `.git` or a bare mirror) it reads the files and LICENSE at HEAD and
 * records HEAD's commit; from a checkout folder it records the commit you name.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedRoutes } from '../src/twilio/contract/served-routes.js';
import { SPEC_FILE_OF_HOST, TWILIO_OMITTED_KEYS } from '../src/twilio/contract/spec-files.js';
import { specPathOf, subsetOf, type OpenApiDocument } from './openapi-subset.js';

const SPEC_DIR = 'spec/json';
const outDir = join(dirname(fileURLToPath(import.meta.url)), '../src/twilio/spec');

function sourceReader(args: string[]): { read: (file: string) => string; commit: string } {
  const [source, flag, commitArg] = args;
  if (source === undefined) throw new Error('usage: twilio-spec-subset.ts <git dir> | <checkout folder> --commit <sha>');
  if (existsSync(join(source, 'HEAD'))) {
    const git = (...gitArgs: string[]) => execFileSync('git', [`--git-dir=${source}`, ...gitArgs], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { read: (file) => git('show', `HEAD:${file}`), commit: git('rev-parse', 'HEAD').trim() };
  }
  if (flag !== '--commit' || !/^[0-9a-f]{40}$/.test(commitArg ?? '')) throw new Error('a checkout folder needs --commit <the 40-hex commit of twilio/twilio-oai it is at>');
  return { read: (file) => readFileSync(join(source, file), 'utf8'), commit: commitArg! };
}

const { read, commit } = sourceReader(process.argv.slice(2));
const routes = await servedRoutes();
for (const [host, file] of Object.entries(SPEC_FILE_OF_HOST)) {
  const spec = JSON.parse(read(`${SPEC_DIR}/${file}`)) as OpenApiDocument;
  const operations = routes.filter((route) => route.host === host).map((route) => ({ method: route.method, path: specPathOf(spec, route.method, route.url) }));
  const subset = subsetOf(
    spec,
    operations,
    {
      'x-source': {
        repository: 'https://github.com/twilio/twilio-oai',
        commit,
        file: `${SPEC_DIR}/${file}`,
        license: 'MIT: the repository LICENSE, beside this file (info.license is the field as the spec publishes it)',
        subset: `the operations the emulator serves at ${host}, request side only (parameters, form fields, required, enums, types), every schema they reference`,
        generatedBy: 'packages/emulators/scripts/twilio-spec-subset.ts',
      },
    },
    { omitKeys: TWILIO_OMITTED_KEYS, responses: false },
  );
  writeFileSync(join(outDir, file), `${JSON.stringify(subset, null, 2)}\n`);
  console.log(`${file}: ${operations.length} operations, ${Object.keys(subset.components?.schemas ?? {}).length} schemas`);
}
writeFileSync(join(outDir, 'LICENSE'), read('LICENSE'));
console.log(`from twilio-oai@${commit}`);
