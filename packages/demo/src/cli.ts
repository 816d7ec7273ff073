import { parseArgs } from 'node:util';
import { DEFAULT_CONSOLE_PORT, startDemo } from './start-demo.js';
import { DEMO_MODES } from './views.js';

const USAGE = `npm run demo -- [--mode conversations|legacy-chat] [--port N]

Starts the Telegram, Discord and Twilio emulators, the real bridge configured against them (SQLite
in a temporary directory, deleted on exit) and a web console on http://127.0.0.1:${DEFAULT_CONSOLE_PORT}.
In the console you write as a customer, answer as a Flex agent and watch every hop of every message.
No credentials, no network access. Ctrl-C stops everything.

  --mode   the Flex back end the bridge starts with (FLEX_MODE), default conversations; the console's
           header switches it later (the bridge and the emulators restart, the chats start over).
           legacy-chat first creates the Flex Flow in the emulated account, as \`flex-bridge setup\` does.
  --port   the console's port, default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one
LOG_LEVEL sets the bridge's log level in the terminal (default warn).`;

async function main(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { mode: { type: 'string', default: 'conversations' }, port: { type: 'string', default: String(DEFAULT_CONSOLE_PORT) } },
  });
  const mode = DEMO_MODES.find((m) => m === values.mode);
  const port = Number(values.port);
  if (!mode || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(mode ? `--port must be a port number, got ${values.port}` : `--mode must be ${DEMO_MODES.join(' or ')}, got ${values.mode}`);
    return 2;
  }

  const running = await startDemo({
    mode,
    port,
    logLevel: process.env.LOG_LEVEL || undefined,
    prettyLogs: process.stdout.isTTY,
    onSwitched: (run) => console.log(`  Switched to Flex mode ${run.mode}: the bridge is now ${run.bridgeUrl}`),
  });
  console.log(
    [
      '',
      `  flex-bridge demo is running (Flex mode: ${running.mode}; switch it in the console's header)`,
      '',
      `  Open the console:  ${running.consoleUrl}`,
      `  The bridge:        ${running.bridgeUrl}  (try ${running.bridgeUrl}/healthz)`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\n  Stopping the demo…');
  await running.stop();
  return 0;
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) console.log(USAGE);
else process.exitCode = await main(args).catch((err: unknown) => {
  console.error(`flex-bridge demo failed: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
});
