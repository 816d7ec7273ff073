import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('flex-bridge usage', () => {
  it('lists the operator commands', async () => {
    const { code, stdout } = await runCli(['--help'], {});
    expect(code).toBe(0);
    for (const name of ['doctor', 'conversations', 'outbox', 'quarantine']) expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it.each([
    ['doctor', 'flex-bridge doctor\n'],
    ['conversations', 'flex-bridge conversations list [--status opening|active|ended] [--limit N]\nflex-bridge conversations end <id | Flex conversation sid>\n'],
    ['outbox', 'flex-bridge outbox list [--dead] [--limit N]\nflex-bridge outbox retry [id…]\n'],
  ])('explains %s without needing any configuration', async (command, synopsis) => {
    const { code, stdout } = await runCli([command, '--help'], {});
    expect(code).toBe(0);
    expect(stdout.startsWith(synopsis)).toBe(true);
  });

  it('answers an unknown option with the command usage', async () => {
    const { code, stderr } = await runCli(['outbox', 'list', '--deadd'], {});
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--deadd'");
    expect(stderr).toContain('flex-bridge outbox list [--dead] [--limit N]');
  });

  it('refuses outbox ids that are not ids before reading any configuration', async () => {
    const { code, stderr } = await runCli(['outbox', 'retry', '7', 'all'], {});
    expect(code).toBe(2);
    expect(stderr).toBe('Not outbox ids: all\n');
  });
});
