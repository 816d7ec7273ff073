import { ConfigError } from './config.js';
import type { Command } from './commands/command.js';
import { conversations } from './commands/conversations.js';
import { doctor } from './commands/doctor.js';
import { outbox } from './commands/outbox.js';
import { quarantine } from './commands/quarantine.js';
import { setup } from './commands/setup.js';
import { start } from './commands/start.js';

const commands: readonly Command[] = [start, doctor, conversations, outbox, quarantine, setup];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: flex-bridge <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `flex-bridge <command> --help` for details.',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`Unknown command: ${name}\n\n${usage()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return (await command.run(args)) ?? 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    if (isUsageError(err)) {
      console.error(`${(err as Error).message}\n\n${command.usage}`);
      return 2;
    }
    console.error(`flex-bridge ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** node:util parseArgs rejects unknown or malformed options with these codes. */
function isUsageError(err: unknown): boolean {
  return String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');
}

process.exitCode = await main(process.argv.slice(2));
