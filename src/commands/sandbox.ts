import { startSandbox } from '../sandbox/sandbox-env.js';
import type { Command } from './command.js';

export const sandbox: Command = {
  name: 'sandbox',
  summary: 'run the Telegram, Discord and Twilio emulators on loopback, to drive a bridge by hand',
  usage: `flex-bridge sandbox [--telegram-port N] [--twilio-port N] [--discord-port N]

Starts the Telegram Bot API, Discord (REST + gateway) and Twilio (Conversations, Interactions,
legacy Flex Channels + Chat) emulators and prints the settings that point a bridge at them.
Drive them with their /_sandbox control routes, e.g.
  curl -X POST localhost:4011/_sandbox/users -H 'content-type: application/json' -d '{"id":42,"first_name":"Alice","username":"alice"}'
  curl -X POST localhost:4011/_sandbox/users/42/messages -H 'content-type: application/json' -d '{"text":"hi"}'
  curl localhost:4010/_sandbox/tasks
  curl -X POST localhost:4010/_sandbox/conversations/CH…/agent-messages -H 'content-type: application/json' -d '{"body":"hello"}'
  curl localhost:4011/_sandbox/chats/42/messages
  curl -X POST localhost:4012/_sandbox/users -H 'content-type: application/json' -d '{"id":"300000000000000001","username":"bob"}'
  curl -X POST localhost:4012/_sandbox/users/300000000000000001/dm -H 'content-type: application/json' -d '{"content":"hi"}'
Defaults: Twilio on 4010, Telegram on 4011, Discord on 4012. Ctrl-C stops them.`,
  async run(args) {
    const port = (flag: string, fallback: number) => {
      const i = args.indexOf(flag);
      return i >= 0 ? Number(args[i + 1]) : fallback;
    };
    const box = await startSandbox({
      twilio: port('--twilio-port', 4010),
      telegram: port('--telegram-port', 4011),
      discord: port('--discord-port', 4012),
    });
    console.log('Emulators running. Start a bridge against them with:\n');
    const env = { ...box.env, PUBLIC_BASE_URL: 'http://127.0.0.1:3000', PORT: '3000' };
    console.log(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' \\\n')} \\\nnpm start\n`);
    console.log('Run `flex-bridge sandbox --help` for the control routes. Ctrl-C stops.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await box.stop();
  },
};
