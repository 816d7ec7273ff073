import { z } from 'zod';
import { ConfigError, loadConfig, settings, type SettingName } from '../src/config.js';

/** What the reference says about one setting, all of it read from the `settings` table. */
interface SettingFacts {
  readonly name: SettingName;
  readonly doc: string;
  readonly example: string;
  readonly secret: boolean;
  readonly accepts: string;
  /** undefined: no default (the setting is required, or optional with nothing in its place). */
  readonly defaultValue: string | undefined;
  readonly required: boolean;
}

const NAMES = Object.keys(settings) as SettingName[];

function factsOf(name: SettingName): SettingFacts {
  const setting = settings[name];
  const unset = (setting.schema as z.ZodType).safeParse(undefined);
  return {
    name,
    doc: setting.doc,
    example: setting.example,
    secret: 'secret' in setting && setting.secret === true,
    accepts: describeInput(z.toJSONSchema(setting.schema, { io: 'input', unrepresentable: 'any' })),
    defaultValue: unset.success && unset.data !== undefined ? String(unset.data) : undefined,
    required: !unset.success,
  };
}

function describeInput(schema: z.core.JSONSchema.BaseSchema): string {
  if (schema.enum) return `one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (schema.type === 'integer') {
    const min = schema.minimum ?? (typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : undefined);
    if (min !== undefined && schema.maximum !== undefined) return `integer ${min}–${schema.maximum}`;
    return min !== undefined ? `integer ≥ ${min}` : 'integer';
  }
  if (schema.format === 'uri') return 'absolute URL';
  if (schema.pattern) return `text matching \`${schema.pattern}\``;
  const { minLength: min, maxLength: max } = schema;
  if (min !== undefined && max !== undefined) return `text of ${min}–${max} characters`;
  if (min !== undefined) return min === 1 ? 'non-empty text' : `text of ${min}+ characters`;
  return 'text';
}

/**
 * The settings a default setup (conversations mode, Telegram) must set: the required ones, plus each
 * one the cross-setting rules then ask for. Found by asking loadConfig, so the rules are not repeated here.
 */
function minimalSetup(): Set<SettingName> {
  const chosen = new Set(NAMES.filter((name) => factsOf(name).required));
  for (;;) {
    const env = Object.fromEntries([...chosen].map((name) => [name, settings[name].example]));
    let problems: { key: string }[] = [];
    try {
      loadConfig(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    // An example may be a placeholder its schema refuses (a secret to fill in); only missing keys count.
    const missing = problems.map((p) => p.key as SettingName).filter((key) => key in settings && !chosen.has(key));
    if (missing.length === 0) return chosen;
    for (const key of missing) chosen.add(key);
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
/** Descriptions are prose, where `<path>` would be read as an HTML tag. */
const prose = (text: string) => cell(text.replaceAll('<', '&lt;').replaceAll('>', '&gt;'));

export function renderConfigurationMarkdown(): string {
  const minimal = minimalSetup();
  const rows = NAMES.map(factsOf).map((f) =>
    [
      `\`${f.name}\``,
      prose(f.doc),
      cell(f.accepts),
      minimal.has(f.name) ? 'yes' : '',
      f.defaultValue === undefined ? '' : cell(`\`${f.defaultValue}\``),
      cell(`\`${f.example}\``),
      f.secret ? 'yes' : '',
    ].join(' | '),
  );
  return `<!-- Generated from the settings table in src/config.ts by \`npm run docs:config\`. Do not edit by hand. -->
# Configuration

flex-bridge reads its settings from environment variables. \`CONFIG_FILE\` may name a JSON file
holding the same keys (\`{"PORT": 8080, …}\`); a variable set in the environment wins over the file.
An empty variable counts as unset.

At start, and in \`flex-bridge doctor\`, every missing or malformed setting is reported at once, by
name, with what it expects; secrets are never echoed. Some settings are needed only in one mode or
for one network: their description says which, and the start-up check names them when they are missing.

*Required* marks what a default setup (Flex Conversations, Telegram) must set;
[\`config/example.env\`](../config/example.env) lists every setting, with these filled in.
*Secret* settings are scrubbed from logs and from \`doctor\` output.

| Variable | Meaning | Accepts | Required | Default | Example | Secret |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r} |`).join('\n')}
`;
}

export function renderExampleEnv(): string {
  const minimal = minimalSetup();
  const blocks = NAMES.map(factsOf).map((f) => {
    const about = [
      `# ${f.doc}`,
      `# Accepts: ${f.accepts.replaceAll('`', '')}.${f.defaultValue === undefined ? '' : ` Default: ${f.defaultValue}`}${f.secret ? ' Secret.' : ''}`,
    ];
    // The default setup's settings are filled in; everything else is shown commented out.
    const value = minimal.has(f.name) ? `${f.name}=${f.example}` : `# ${f.name}=${f.defaultValue ?? f.example}`;
    return [...about, value].join('\n');
  });
  return `# flex-bridge settings, generated from src/config.ts by \`npm run docs:config\`: do not edit by hand.
# Copy to a file your process manager loads (e.g. docker compose \`env_file\`), replace the examples,
# and uncomment what you need. docs/configuration.md explains each setting.

${blocks.join('\n\n')}
`;
}
