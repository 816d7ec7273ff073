import { parseArgs } from 'node:util';
import { startSandbox } from './sandbox.js';

const USAGE = `npm run sandbox -- [--telegram-port N] [--twilio-port N] [--discord-port N]

Starts the Telegram Bot API, Discord (REST + gateway) and Twilio (Conversations, Interactions,
legacy Flex Channels + Chat) emulators and prints the settings that point a bridge at them.
Drive them with their /_sandbox control routes (packages/emulators/README.md), e.g.
  curl -X POST localhost:4011/_sandbox/users -H 'content-type: application/json' -d '{"id":42,"first_name":"Alice","username":"alice"}'
  curl -X POST localhost:4011/_sandbox/users/42/messages -H 'content-type: application/json' -d '{"text":"hi"}'
  curl localhost:4010/_sandbox/tasks
  curl -X POST localhost:4010/_sandbox/conversations/CH…/agent-messages -H 'content-type: application/json' -d '{"body":"hello"}'
  curl localhost:4011/_sandbox/chats/42/messages
  curl -X POST localhost:4012/_sandbox/users -H 'content-type: application/json' -d '{"id":"300000000000000001","username":"bob"}'
  curl -X POST localhost:4012/_sandbox/users/300000000000000001/dm -H 'content-type: application/json' -d '{"content":"hi"}'
Defaults: Twilio on 4010, Telegram on 4011, Discord on 4012. Ctrl-C stops them.`;

const { values } = parseArgs({
  options: {
    'telegram-port': { type: 'string', default: '4011' },
    'twilio-port': { type: 'string', default: '4010' },
    'discord-port': { type: 'string', default: '4012' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const box = await startSandbox({
  twilio: Number(values['twilio-port']),
  telegram: Number(values['telegram-port']),
  discord: Number(values['discord-port']),
});
const env = { ...box.env, PUBLIC_BASE_URL: 'http://127.0.0.1:3000', PORT: '3000' };
console.log('Emulators running. Start a bridge against them with:\n');
console.log(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' \\\n')} \\\nnpm start\n`);
console.log('Run `npm run sandbox -- --help` for the control routes. Ctrl-C stops.');
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await box.stop();
