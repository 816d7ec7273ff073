import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationMarkdown, renderExampleEnv } from '../../scripts/config-reference.js';
import { settings } from '../../src/config.js';

const committed = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('configuration reference', () => {
  it.each([
    ['docs/configuration.md', renderConfigurationMarkdown],
    ['config/example.env', renderExampleEnv],
  ])('%s matches src/config.ts (run `npm run docs:config` after changing a setting)', (path, render) => {
    expect(committed(path)).toBe(render());
  });

  it('documents every setting, and fills in what a default setup needs', () => {
    const markdown = renderConfigurationMarkdown();
    const env = renderExampleEnv();
    for (const name of Object.keys(settings)) {
      expect(markdown).toContain(`| \`${name}\` |`);
      expect(env).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
    }
    const filledIn = env.match(/^[A-Z_]+(?==)/gm);
    expect(filledIn).toEqual(['PUBLIC_BASE_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'FLEX_WORKSPACE_SID', 'TELEGRAM_BOT_TOKEN']);
    expect(markdown).toMatch(/\| `TWILIO_AUTH_TOKEN` \|.*\| yes \|$/m);
    expect(markdown).toContain('| `TELEGRAM_MODE` | How Telegram updates arrive | one of `polling`, `webhook` |  | `polling` | `polling` |  |');
  });
});

describe('README configuration table', () => {
  it('names every setting', () => {
    const readme = committed('README.md');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## How it works'));
    const missing = Object.keys(settings).filter((name) => !table.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
