import { ConfigError, settings, type SettingName } from '../config.js';
import { createLegacyFlexFlow } from '../flex/legacy-chat-flow.js';
import { createTwilioClient } from '../flex/twilio-client.js';
import type { Command } from './command.js';

const FLAGS = ['--chat-service-sid', '--studio-flow-sid', '--friendly-name', '--contact-identity'] as const;
type Flag = (typeof FLAGS)[number];

/** What setup reads from the environment (or a flag, which wins); values are checked with the bridge's own schemas. */
const INPUTS = {
  TWILIO_ACCOUNT_SID: { what: 'the Twilio account SID (AC…)' },
  TWILIO_AUTH_TOKEN: { what: 'the Twilio auth token' },
  TWILIO_API_BASE_URL: { what: 'an emulator or proxy', optional: true },
  FLEX_CHAT_SERVICE_SID: { flag: '--chat-service-sid', what: 'the Flex Chat Service (IS…)' },
  FLEX_STUDIO_FLOW_SID: { flag: '--studio-flow-sid', what: 'the Studio flow that ends in "Send to Flex" (FW…)' },
} satisfies Partial<Record<SettingName, { what: string; flag?: Flag; optional?: true }>>;
type Input = keyof typeof INPUTS;

const DEFAULT_FRIENDLY_NAME = 'flex-bridge custom chat';
const DEFAULT_CONTACT_IDENTITY = 'flex-bridge';

export const setup: Command = {
  name: 'setup',
  summary: 'create the Flex Flow that FLEX_MODE=legacy-chat needs, and print its settings',
  usage: `flex-bridge setup --studio-flow-sid FW… [--chat-service-sid IS…] [--friendly-name NAME] [--contact-identity ID]

Creates a Flex Flow for the legacy custom chat channel (ChannelType=custom, IntegrationType=studio,
Enabled=true) and prints its FO… SID and the settings to start the bridge with. Like
  twilio api:flex:v1:flex-flows:create --channel-type=custom --integration-type=studio …

Inputs (a flag wins over its environment variable):
  TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN   credentials (environment)
  TWILIO_API_BASE_URL                     optional: an emulator or proxy (environment)
  --chat-service-sid / FLEX_CHAT_SERVICE_SID   the Flex Chat Service (IS…)
  --studio-flow-sid / FLEX_STUDIO_FLOW_SID     the Studio flow ending in "Send to Flex" (FW…)
  --friendly-name                         default "${DEFAULT_FRIENDLY_NAME}"
  --contact-identity                      default "${DEFAULT_CONTACT_IDENTITY}"
A missing or malformed input exits 2 naming it; nothing is created then.`,
  async run(args) {
    const flags = parseFlags(args);
    const problems: { key: string; message: string }[] = [];
    const read = (name: Input): string | undefined => {
      const input: { what: string; flag?: Flag; optional?: true } = INPUTS[name];
      const value = (input.flag && flags[input.flag]) || process.env[name] || undefined;
      const key = input.flag ? `${input.flag} (or ${name})` : name;
      if (value === undefined) {
        if (!input.optional) problems.push({ key, message: `required: ${input.what}` });
      } else {
        const parsed = settings[name].schema.safeParse(value);
        if (!parsed.success) problems.push({ key, message: `expected ${parsed.error.issues[0]?.message ?? input.what}` });
      }
      return value;
    };
    const accountSid = read('TWILIO_ACCOUNT_SID');
    const authToken = read('TWILIO_AUTH_TOKEN');
    const apiBaseUrl = read('TWILIO_API_BASE_URL')?.replace(/\/+$/, '');
    const chatServiceSid = read('FLEX_CHAT_SERVICE_SID');
    const studioFlowSid = read('FLEX_STUDIO_FLOW_SID');
    if (problems.length > 0 || !accountSid || !authToken || !chatServiceSid || !studioFlowSid) throw new ConfigError(problems);

    const client = createTwilioClient({ accountSid, authToken, apiBaseUrl });
    const flowSid = await createLegacyFlexFlow(client, {
      friendlyName: flags['--friendly-name'] ?? DEFAULT_FRIENDLY_NAME,
      chatServiceSid,
      studioFlowSid,
      contactIdentity: flags['--contact-identity'] ?? DEFAULT_CONTACT_IDENTITY,
    });
    console.log(`Created Flex Flow ${flowSid} (custom channel, Studio flow ${studioFlowSid}, chat service ${chatServiceSid}).`);
    console.log('\nStart the bridge with:');
    console.log(['FLEX_MODE=legacy-chat', `FLEX_FLOW_SID=${flowSid}`, `FLEX_CHAT_SERVICE_SID=${chatServiceSid}`].join('\n'));
    return 0;
  },
};

/** `--flag value` or `--flag=value`; anything else is refused. */
function parseFlags(args: readonly string[]): Partial<Record<Flag, string>> {
  const flags: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!isFlag(name)) throw new ConfigError([{ key: arg, message: 'unknown option (see flex-bridge setup --help)' }]);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new ConfigError([{ key: name, message: 'needs a value' }]);
    flags[name] = value;
  }
  return flags;
}

function isFlag(name: string): name is Flag {
  return (FLAGS as readonly string[]).includes(name);
}
