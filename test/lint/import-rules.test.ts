import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const cruiser = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** The import rules of `npm run lint`, run on `dir` as they run on the repository. */
async function violationsIn(dir: string): Promise<Violation[]> {
  const run = promisify(execFile)(process.execPath, [cruiser, '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'json', 'src', 'adapters', 'packages'], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  });
  // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way.
  const { stdout } = await run.catch((err: { stdout: string }) => err);
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the import rules (npm run lint)', () => {
  let tree: string;

  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), 'flex-bridge-import-rules-'));
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
      'package.json': JSON.stringify({ name: 'fixture', type: 'module' }),
      // A cycle through a type-only import, and a core module reaching out of the core.
      'src/core/messages.ts': "import type { Store } from '../store/store.js';\nexport type Row = { store: Store };\n",
      'src/store/store.ts': "import type { Row } from '../core/messages.js';\nexport interface Store { rows: Row[] }\n",
      // An adapter reaching past the core into the store.
      'adapters/telegram/adapter.ts': "import type { Store } from '../../src/store/store.js';\nexport type S = Store;\n",
      // Product code loading an emulator.
      'src/app.ts': "import { startSandbox } from '../packages/emulators/src/index.js';\nexport const s = startSandbox;\n",
      'packages/emulators/src/index.ts': 'export const startSandbox = () => undefined;\n',
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), text);
    }
  });

  afterAll(async () => {
    await rm(tree, { recursive: true, force: true });
  });

  it('find a cycle, the core importing out of itself, an adapter past the core and the product loading the sandbox', async () => {
    const found = (await violationsIn(tree)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'no-cycles: src/core/messages.ts → src/store/store.ts',
        'core-is-a-leaf: src/core/messages.ts → src/store/store.ts',
        'adapters-import-only-the-core: adapters/telegram/adapter.ts → src/store/store.ts',
        'product-never-imports-the-sandbox: src/app.ts → packages/emulators/src/index.ts',
      ]),
    );
  });
});
