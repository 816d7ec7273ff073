import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AFTER_HOURS_POLICIES } from './bridge/after-hours.js';
import { isTimeZone, parseHolidays, parseWeeklyHours } from './bridge/business-hours.js';
import { redactUrlPasswords } from './log-scrub.js';
import { isHttpsOrLoopback } from './loopback.js';

const sid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `a Twilio SID: ${prefix} followed by 32 hex digits`);

const url = z.string().url('an absolute URL such as https://bridge.example.com');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** A text the bridge sends a customer by itself; `off` sends nothing. Short enough for one message on every network. */
const noticeText = (fallback: string) =>
  z
    .string()
    .min(1)
    .max(2000)
    .default(fallback)
    .transform((text) => (text === 'off' ? undefined : text));

/** A setting parsed by `parse`, which returns what is wrong as a string; the issue says what was expected and why not. */
const parsedBy = <T>(parse: (text: string) => T | string, expected: string) =>
  z.string().transform((text, ctx) => {
    const parsed = parse(text);
    if (typeof parsed !== 'string') return parsed;
    ctx.addIssue({ code: 'custom', message: `${expected}; ${parsed}` });
    return z.NEVER;
  });

/** A JSON object of constants (FLEX_TASK_ATTRIBUTES); nested objects allowed, arrays of constants too. */
const attributesObject = z
  .string()
  .max(4096)
  .default('{}')
  .transform((text, ctx) => {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Readonly<Record<string, unknown>>;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'a JSON object such as {"brand":"acme","priority_queue":"eu"}' });
    return z.NEVER;
  });
/** A command's description in Telegram's menu: 1–256 characters (https://core.telegram.org/bots/api#botcommand); `off`: none. */
const commandDescription = (fallback: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .default(fallback)
    .transform((text) => (text === 'off' ? undefined : text));

/** An ISO-8601 duration of at least `minMinutes` (a Conversations timer); `off`: none. */
const timerDuration = (fallback: string, minMinutes: number) =>
  z
    .string()
    .default(fallback)
    .refine((value) => value === 'off' || (isoDurationMs(value) ?? 0) >= minMinutes * 60_000, `an ISO-8601 duration of at least ${minMinutes} minutes, such as PT12H, or off`)
    .transform((value) => (value === 'off' ? undefined : value));

/** Milliseconds of an ISO-8601 duration of days, hours, minutes and seconds (`P1D`, `PT12H`); undefined if it is not one. */
function isoDurationMs(value: string): number | undefined {
  const parsed = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  if (!parsed || value === 'P' || value.endsWith('T')) return undefined;
  const [days, hours, minutes, seconds] = parsed.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number];
  return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
}

/** Texts by language tag, as CUSTOMER_TEXTS_FILE holds them; each text a customer-text setting's value or undefined (off). */
export type TextsByLanguage = ReadonlyMap<string, Readonly<Record<string, string | undefined>>>;

const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

/** CUSTOMER_TEXTS_FILE's texts, or what is wrong with the file. */
function readCustomerTexts(path: string): TextsByLanguage | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return `a readable JSON file (${path}: ${(err as Error).message})`;
  }
  if (!isPlainObject(parsed)) return `a JSON object of languages (${path})`;
  const texts = new Map<string, Record<string, string | undefined>>();
  for (const [tag, set] of Object.entries(parsed)) {
    if (!LANGUAGE_TAG.test(tag)) return `language tags such as de or pt-br (${path}: ${JSON.stringify(tag)})`;
    if (!isPlainObject(set)) return `a JSON object of texts for each language (${path}: ${tag})`;
    for (const [key, text] of Object.entries(set)) {
      if (!isCustomerTextSetting(key)) return `only settings of texts for customers (${path}: ${tag}.${key})`;
      // Each text as its setting takes it: a menu entry's 256 characters, a notice's 2000.
      const checked = typeof text === 'string' ? settings[key].schema.safeParse(text) : undefined;
      if (!checked?.success) return `texts that their settings accept (${path}: ${tag}.${key}: ${checked?.error.issues[0]?.message ?? 'not text'})`;
    }
    texts.set(tag.toLowerCase(), Object.fromEntries(Object.entries(set).map(([key, text]) => [key, text === 'off' ? undefined : (text as string)])));
  }
  return texts;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every setting, with its documentation. `docs/configuration.md` is generated from this object. */
export const settings = {
  PORT: { schema: port.default(3000), doc: 'HTTP listen port', example: '3000' },
  HOST: { schema: z.string().min(1).default('0.0.0.0'), doc: 'HTTP listen address', example: '0.0.0.0' },
  PUBLIC_BASE_URL: {
    // Twilio and Telegram post customer and agent text and signatures to it: cleartext only where nothing leaves the machine.
    schema: url
      .refine(isHttpsOrLoopback, 'an https:// URL (http:// only for a loopback host such as http://127.0.0.1:3000)')
      .transform((u) => u.replace(/\/+$/, '')),
    doc: 'Externally reachable base URL of this bridge; Twilio webhooks are registered under it and their signatures are checked against it. Must be https:// unless its host is loopback (localhost, 127.0.0.0/8, [::1])',
    example: 'https://bridge.example.com',
  },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'sqlite:<path> or postgres://…')
      .default('sqlite:./data/flex-bridge.db'),
    doc: 'Where state lives: sqlite:<path> (embedded) or postgres://… (several processes)',
    example: 'sqlite:./data/flex-bridge.db',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'pino log level',
    example: 'info',
  },
  TWILIO_ACCOUNT_SID: { schema: sid('AC'), doc: 'Twilio account SID', example: 'AC00000000000000000000000000000000' },
  TWILIO_AUTH_TOKEN: {
    schema: z.string().min(16, 'the account auth token (32 characters)'),
    doc: 'Twilio auth token; also the key Twilio signs webhooks with',
    example: 'your_auth_token',
    secret: true,
  },
  TWILIO_API_BASE_URL: {
    schema: url.transform((u) => u.replace(/\/+$/, '')).optional(),
    doc: 'Optional: send a request for https://{host}{path} to {TWILIO_API_BASE_URL}/{host}{path} (emulators, test rigs, egress proxies)',
    example: 'http://127.0.0.1:4010',
  },
  TWILIO_TIMEOUT_MS: {
    schema: positiveInt.min(100).max(120_000).default(15_000),
    doc: 'Timeout of one Twilio API request; a timed-out post is checked for before it is retried',
    example: '15000',
  },
  FLEX_MODE: {
    schema: z.enum(['conversations', 'legacy-chat']).default('conversations'),
    doc: 'conversations (Flex Conversations + Interactions) or legacy-chat (Flex Channels + Programmable Chat)',
    example: 'conversations',
  },
  FLEX_WORKSPACE_SID: {
    schema: sid('WS').optional(),
    doc: 'conversations mode: TaskRouter workspace for the Interaction; both modes: where SURVEY ratings are recorded as tasks',
    example: 'WS00000000000000000000000000000000',
  },
  FLEX_WORKFLOW_SID: { schema: sid('WW').optional(), doc: 'conversations mode: TaskRouter workflow for the Interaction; in both modes, with SURVEY=on, the workflow survey tasks are created in (required when the workspace has more than one)', example: 'WW00000000000000000000000000000000' },
  FLEX_TASK_CHANNEL: { schema: z.string().min(1).default('chat'), doc: 'conversations mode: task channel unique name', example: 'chat' },
  FLEX_STUDIO_FLOW_SID: {
    schema: sid('FW').optional(),
    doc: 'conversations mode, instead of workspace/workflow: route new conversations through this Studio flow',
    example: 'FW00000000000000000000000000000000',
  },
  FLEX_STUDIO_READ_BACK_MS: {
    schema: z
      .string()
      .regex(/^(off|\d{1,5}(,\d{1,5}){0,4})$/, 'up to 5 delays in ms, comma-separated (e.g. 1000,3000,8000), or off')
      .default('1000,3000,8000')
      .transform((v) => (v === 'off' ? [] : v.split(',').map(Number)))
      .refine((delays) => delays.every((ms) => ms >= 100 && ms <= 60_000), 'each delay from 100 to 60000 ms'),
    doc: "conversations mode with FLEX_STUDIO_FLOW_SID: when to read the conversation back after each customer message is posted (ms after the post, comma-separated), so the messages Studio's Send Message and Send & Wait For Reply widgets write, which fire no webhook, reach the customer; off: never",
    example: '1000,3000,8000',
  },
  ROUTING_CONFIRM_MS: {
    schema: positiveInt.min(500).max(30_000).default(15_000),
    doc: "conversations mode: how long the bridge waits, per routing attempt, for a new chat's interaction channel to go live and its task to appear (Flex sets interactions up asynchronously)",
    example: '15000',
  },
  ROUTING_ATTEMPTS: {
    schema: positiveInt.max(3).default(3),
    doc: 'conversations mode: routing attempts (Interactions) for a new chat before the customer is told that no agent could be reached (ROUTING_FAILED_NOTICE) and the chat is closed',
    example: '3',
  },
  TASK_CHECK_INTERVAL_MS: {
    schema: positiveInt.min(200).max(30_000).default(20_000),
    doc: "conversations mode: how often the bridge (the leader, with several processes) asks TaskRouter about the open chats' tasks, to notice a chat whose task ended without an agent (NO_AGENT_NOTICE)",
    example: '20000',
  },
  CONVERSATION_INACTIVE_TIMER: {
    schema: timerDuration('off', 1),
    doc: "conversations mode: Timers.Inactive of each new conversation, an ISO-8601 duration of at least 1 minute (PT30M); 'off': none",
    example: 'off',
  },
  CONVERSATION_CLOSED_TIMER: {
    schema: timerDuration('PT12H', 10),
    doc: "conversations mode: Timers.Closed of each new conversation, an ISO-8601 duration of at least 10 minutes: Twilio closes a chat quiet for that long, so none stays open for ever; 'off': none",
    example: 'PT12H',
  },
  FLEX_TASK_ATTRIBUTES: {
    schema: attributesObject,
    doc: 'Constant attributes (a JSON object) added to the TaskRouter task and the conversation of every new chat, for workflow expressions and reporting; the bridge\'s own fields (network, handle, customerName, language, startPayload, earlierChats, previousConversationSid, …) win over a constant of the same name, and fields inside "conversations" and "customers" are kept beside the Flex Insights fields the bridge fills. In legacy-chat mode they go into the channel\'s pre_engagement_data',
    example: '{"brand":"acme","conversations":{"conversation_label_1":"bot"}}',
  },
  FLEX_FLOW_SID: { schema: sid('FO').optional(), doc: 'legacy-chat mode: the Flex Flow (flex-bridge setup creates one)', example: 'FO00000000000000000000000000000000' },
  FLEX_CHAT_SERVICE_SID: { schema: sid('IS').optional(), doc: 'legacy-chat mode: the Flex Chat Service', example: 'IS00000000000000000000000000000000' },
  FLEX_BRIDGE_IDENTITY: {
    schema: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (no reserved URI characters)').default('flex-bridge'),
    doc: 'Author identity of the notices the bridge posts into Flex',
    example: 'flex-bridge',
  },
  TELEGRAM_BOT_TOKEN: {
    schema: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'a bot token from @BotFather, like 123456:ABC-DEF…').optional(),
    doc: 'Enables the Telegram adapter',
    example: '123456789:AAExampleExampleExampleExample',
    secret: true,
  },
  TELEGRAM_MODE: { schema: z.enum(['polling', 'webhook']).default('polling'), doc: 'How Telegram updates arrive', example: 'polling' },
  TELEGRAM_WEBHOOK_SECRET: {
    // Telegram allows 1–256 characters; a short one can be guessed, and it is the webhook's only credential.
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{32,256}$/, '32–256 characters of A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 32`)')
      .optional(),
    doc: 'Required in webhook mode: Telegram sends it in X-Telegram-Bot-Api-Secret-Token; checked in constant time',
    example: 'at-least-32-random-characters-0123456789',
    secret: true,
  },
  TELEGRAM_API_ROOT: {
    schema: url.default('https://api.telegram.org'),
    doc: 'Bot API root (a self-hosted Bot API server or the emulator)',
    example: 'https://api.telegram.org',
  },
  TELEGRAM_GREETING: {
    schema: z.string().min(1).max(4096).default('Hello! Write your question here and a support agent will answer you.'),
    doc: 'Reply to /start (not forwarded to Flex)',
    example: 'Hello! How can we help?',
    customerText: true,
  },
  UNSUPPORTED_MESSAGE_NOTICE: {
    schema: noticeText('Sorry, I cannot pass this kind of message to our support team. Please describe it in words.'),
    doc: "Telegram: what a customer is told when they sent something the bridge cannot carry (the agent sees that they did); 'off': nothing",
    example: 'Sorry, I cannot pass this kind of message to our support team. Please describe it in words.',
    customerText: true,
  },
  FILE_TOO_BIG_NOTICE: {
    schema: noticeText('Sorry, that file is too big for me to pass on (the limit is {limit}). Could you send a smaller one, or a link to it?'),
    doc: "Telegram: what a customer is told when they sent a file larger than a bot may fetch (20 MB, the agent sees that they did); {limit}: that size; 'off': nothing",
    example: 'Sorry, that file is too big for me to pass on (the limit is {limit}). Could you send a smaller one, or a link to it?',
    customerText: true,
  },
  TELEGRAM_END_COMMAND_DESCRIPTION: {
    schema: commandDescription('End this chat'),
    doc: "/end in the bot's Telegram command menu (set with setMyCommands at start); 'off': not in the menu (it still works)",
    example: 'End this chat',
    customerText: true,
  },
  TELEGRAM_TRANSCRIPT_COMMAND_DESCRIPTION: {
    schema: commandDescription('Get the text of this chat'),
    doc: "/transcript in the bot's Telegram command menu; 'off': not in the menu (it still works)",
    example: 'Get the text of this chat',
    customerText: true,
  },
  CHAT_OPENED_NOTICE: {
    schema: noticeText('Thanks, we got your message. An agent will be with you shortly.'),
    doc: "What a customer is told once their message has opened a new Flex chat; 'off': nothing",
    example: 'Thanks, we got your message. An agent will be with you shortly.',
    customerText: true,
  },
  CHAT_ENDED_NOTICE: {
    schema: noticeText('This chat has ended. Write to us again any time to start a new one.'),
    doc: "What a customer is told when the agent ends the chat in Flex; 'off': nothing",
    example: 'This chat has ended. Write to us again any time to start a new one.',
    customerText: true,
  },
  AGENT_JOINED_NOTICE: {
    schema: noticeText('{agent} has joined the chat.'),
    doc: "What a customer is told when an agent joins their chat, once per agent; {agent}: the agent's name in Flex; 'off': nothing",
    example: '{agent} has joined the chat.',
    customerText: true,
  },
  AGENT_JOINED_NOTICE_UNNAMED: {
    schema: noticeText('An agent has joined the chat.'),
    doc: "AGENT_JOINED_NOTICE for an agent whose name Flex does not know; 'off': nothing",
    example: 'An agent has joined the chat.',
    customerText: true,
  },
  ROUTING_FAILED_NOTICE: {
    schema: noticeText('Sorry, we could not reach an agent just now. Please write to us again in a little while.'),
    doc: "What a customer is told when Flex could not route their new chat to agents after ROUTING_ATTEMPTS tries; 'off': nothing",
    example: 'Sorry, we could not reach an agent just now. Please write to us again in a little while.',
    customerText: true,
  },
  NO_AGENT_NOTICE: {
    schema: noticeText('No agent is available right now, so this chat has ended. Write to us again any time to start a new one.'),
    doc: "What a customer is told when their chat's task ended without an agent (workflow timeout, canceled, deleted); 'off': nothing",
    example: 'No agent is available right now, so this chat has ended. Write to us again any time to start a new one.',
    customerText: true,
  },
  CUSTOMER_TEXTS_FILE: {
    schema: z
      .string()
      .min(1)
      .optional()
      .transform((path, ctx) => {
        if (path === undefined) return undefined;
        const read = readCustomerTexts(path);
        if (typeof read !== 'string') return read;
        ctx.issues.push({ code: 'custom', message: read, input: path });
        return z.NEVER;
      }),
    doc: 'Optional: a JSON file of the texts the bridge sends customers by itself (TELEGRAM_GREETING, the *_NOTICE settings, the TELEGRAM_*_COMMAND_DESCRIPTION menu entries, TRANSCRIPT_HEADING and the SURVEY_* texts) in other languages, by language tag: {"de": {"CHAT_OPENED_NOTICE": "Danke, …"}}. A customer whose network names their language (Telegram\'s language_code) gets its texts, pt-br falling back to pt; everyone else gets the settings. "off" switches a text off in that language',
    example: 'config/customer-texts.example.json',
  },
  BUSINESS_HOURS: {
    schema: parsedBy(parseWeeklyHours, 'weekly hours such as "mon-fri 09:00-17:00; sat 10:00-14:00"').optional(),
    doc: "When agents take new chats, in BUSINESS_TIMEZONE: entries split by ';', each days (mon, sat-sun, fri-mon, or a comma list) then HH:MM-HH:MM ranges split by ','; a range ending before it starts runs past midnight (22:00-06:00). Only a customer's first message of a new chat is subject to it: an open chat goes on after hours. Unset: always open (unless BUSINESS_HOLIDAYS)",
    example: 'mon-fri 09:00-17:00; sat 10:00-14:00',
  },
  BUSINESS_HOLIDAYS: {
    schema: parsedBy(parseHolidays, 'dates such as 2026-12-25,2026-12-26').optional(),
    doc: 'Dates (YYYY-MM-DD, comma-separated) in BUSINESS_TIMEZONE on which the opening hours that start that day do not apply (a night range begun the day before still ends)',
    example: '2026-12-25,2026-12-26',
  },
  BUSINESS_TIMEZONE: {
    schema: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').optional(),
    doc: 'IANA time zone of BUSINESS_HOURS and BUSINESS_HOLIDAYS (required with them; daylight saving time follows the zone), and of {opens} in AFTER_HOURS_NOTICE (default UTC)',
    example: 'Europe/Berlin',
  },
  SCHEDULE_URL: {
    schema: url.optional(),
    doc: 'Instead of BUSINESS_HOURS and BUSINESS_HOLIDAYS: a schedule service asked GET {SCHEDULE_URL} when a new chat would open, answering JSON {"isOpen": true|false, "nextOpen": "<ISO-8601 time, optional>"} (the shape of the Flex schedule manager\'s check-schedule); a user and password in the URL go as Basic authentication. Answers are kept 30 s; a failure, a 3 s timeout or another answer counts as open and is logged',
    example: 'https://schedule-manager-1234.twil.io/check-schedule?name=Support',
  },
  AFTER_HOURS_POLICY: {
    schema: z.enum(AFTER_HOURS_POLICIES).default('reply-and-route-when-open'),
    doc: "What happens to a new chat's first message while closed: reply-only (the customer gets AFTER_HOURS_NOTICE, the message is not passed on), reply-and-route (the notice, and the chat opens anyway), reply-and-route-when-open (the notice, and the message, with whatever the customer adds, waits and opens the chat once open)",
    example: 'reply-and-route-when-open',
  },
  AFTER_HOURS_NOTICE: {
    schema: noticeText('Thanks for your message. We are closed right now and open again {opens}; an agent will answer you then.'),
    doc: "What a customer whose message would open a new chat is told while closed, once per closed period; {opens}: the next opening time in BUSINESS_TIMEZONE ('later' when unknown). With AFTER_HOURS_POLICY=reply-only, say that the message was not passed on; 'off': nothing",
    example: 'Thanks for your message. We are closed right now and open again {opens}; an agent will answer you then.',
    customerText: true,
  },
  RETURNING_CUSTOMER_NOTICE: {
    schema: noticeText('Returning customer (earlier chats: {count}). The last one ended {ended}, conversation {previous}.'),
    doc: "What the agent is told, as a bridge notice in a new chat, when the customer had chats before; {count}: how many, {ended}: when the last one ended (UTC), {previous}: its Flex conversation SID; 'off': nothing",
    example: 'Returning customer (earlier chats: {count}). The last one ended {ended}, conversation {previous}.',
  },
  AGENT_NAME_PREFIX: {
    schema: noticeText('off'),
    doc: "Put before each agent message the customer gets, {agent} standing for the agent's name in Flex (e.g. '{agent}: '); a message whose agent has no name in Flex goes without it; 'off': nothing",
    example: '{agent}: ',
  },
  CHAT_ENDED_BY_CUSTOMER_NOTICE: {
    schema: noticeText('You have ended the chat. Write to us again any time to start a new one.'),
    doc: "What a customer is told when they end their chat themselves (Telegram /end, Discord !end; the agent is told in Flex); 'off': nothing",
    example: 'You have ended the chat. Write to us again any time to start a new one.',
    customerText: true,
  },
  NO_OPEN_CHAT_NOTICE: {
    schema: noticeText('You have no open chat to end. Just write to us to start one.'),
    doc: "The answer to /end (!end) from a customer who has no open chat; 'off': nothing",
    example: 'You have no open chat to end. Just write to us to start one.',
    customerText: true,
  },
  NO_TRANSCRIPT_NOTICE: {
    schema: noticeText('There is no chat with us yet to send you a transcript of.'),
    doc: "The answer to /transcript (!transcript) from a customer who never had a chat; 'off': nothing",
    example: 'There is no chat with us yet to send you a transcript of.',
    customerText: true,
  },
  TRANSCRIPT_HEADING: {
    schema: noticeText('Transcript of your chat with us (times in UTC):'),
    doc: "The first line of a chat transcript a customer gets (/transcript, !transcript, TRANSCRIPT_ON_CLOSE); 'off': none",
    example: 'Transcript of your chat with us (times in UTC):',
    customerText: true,
  },
  TRANSCRIPT_ON_CLOSE: {
    schema: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    doc: "true: when a chat ends (the agent or the customer ends it), the customer gets its transcript: a message when it fits in one, otherwise a .txt file. Either way a customer can ask for it with /transcript (Discord: !transcript)",
    example: 'false',
  },
  SURVEY: {
    schema: z.enum(['on', 'off']).default('off'),
    doc: "Whether a customer whose chat ended (by the agent, or by /end) is asked to rate it from 1 to 5 with buttons (SURVEY_QUESTION), when an agent had joined it; each rating becomes a canceled TaskRouter task in FLEX_WORKSPACE_SID (type survey, conversations.conversation_measure_1) for Flex Insights, and counts in flex_bridge_survey_ratings_total",
    example: 'on',
  },
  SURVEY_QUESTION: {
    schema: z.string().min(1).max(2000).default('How did we do? Please rate this chat from 1 star (poor) to 5 stars (excellent).'),
    doc: 'With SURVEY=on: what the customer is asked after their chat ended, above one button per rating (1 to 5 stars)',
    example: 'How did we do? Please rate this chat from 1 star (poor) to 5 stars (excellent).',
    customerText: true,
  },
  SURVEY_THANKS: {
    schema: noticeText('Thank you for your feedback!'),
    doc: "With SURVEY=on: what the customer is told once they rated a chat (and commented, with SURVEY_COMMENT_QUESTION); 'off': nothing",
    example: 'Thank you for your feedback!',
    customerText: true,
  },
  SURVEY_COMMENT_QUESTION: {
    schema: noticeText('Thanks! Anything you would like to add? Just write it here.'),
    doc: "With SURVEY=on: what the customer is asked after rating; their next text message within SURVEY_COMMENT_WINDOW_MS is the survey's comment (it opens no new chat), and the rating reaches Flex with it, or without it once the window closed; 'off': no comment is asked for and the rating goes at once",
    example: 'Thanks! Anything you would like to add? Just write it here.',
    customerText: true,
  },
  SURVEY_COMMENT_WINDOW_MS: {
    schema: positiveInt.default(600_000),
    doc: 'With SURVEY_COMMENT_QUESTION: how long after the rating the customer may comment (ms)',
    example: '600000',
  },
  DISCORD_BOT_TOKEN: {
    schema: z.string().min(20, 'a bot token from the Discord developer portal').optional(),
    doc: 'Enables the Discord adapter',
    example: 'MTAx…',
    secret: true,
  },
  DISCORD_API_BASE_URL: {
    schema: url.transform((u) => u.replace(/\/+$/, '')).default('https://discord.com/api'),
    doc: 'Discord REST base (the gateway URL comes from GET /gateway/bot)',
    example: 'https://discord.com/api',
  },
  DELIVERY_MAX_ATTEMPTS: {
    schema: positiveInt.max(100).default(12),
    doc: 'Attempts per outbox row before it is dead-lettered (backoff doubles from 0.5 s up to 5 min)',
    example: '12',
  },
  DELIVERY_LEASE_MS: {
    schema: positiveInt.min(500).max(600_000).default(30_000),
    doc: 'How long a claimed outbox row stays claimed without renewal; a crashed process\'s rows are retried after it',
    example: '30000',
  },
  DELIVERY_REORDER_MS: {
    schema: z.coerce.number().int().min(0).max(60_000).default(1_500),
    doc: "How long an agent message waits for an earlier one of its chat whose webhook is late (Twilio retrying it), so the customer gets both in the agent's order; 0 delivers at once",
    example: '1500',
  },
  CUSTOMER_MESSAGES_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).max(6_000).default(60),
    doc: 'How many messages one customer may send per minute once CUSTOMER_MESSAGE_BURST is used up; more are not passed on, and the customer is told so at most once a minute; 0: no limit',
    example: '60',
  },
  CUSTOMER_MESSAGE_BURST: {
    schema: positiveInt.max(1_000).default(20),
    doc: 'How many messages one customer may send at once before CUSTOMER_MESSAGES_PER_MINUTE applies',
    example: '20',
  },
  RATE_LIMITED_NOTICE: {
    schema: noticeText('⚠️ You are sending messages faster than we can pass them on, so your last message did not reach us. Please wait a minute and send it again.'),
    doc: "What a customer is told, at most once a minute, when a message of theirs went over CUSTOMER_MESSAGES_PER_MINUTE and was not passed on; 'off': nothing",
    example: '⚠️ You are sending messages faster than we can pass them on, so your last message did not reach us. Please wait a minute and send it again.',
    customerText: true,
  },
  BACKLOG_LIMITED_NOTICE: {
    schema: noticeText('⚠️ Your earlier messages have not reached our team yet, so your last message did not reach us. Please send it again once they have answered.'),
    doc: "What a customer is told, at most once a minute, when a message of theirs went over CUSTOMER_MAX_PENDING and was not passed on; 'off': nothing",
    example: '⚠️ Your earlier messages have not reached our team yet, so your last message did not reach us. Please send it again once they have answered.',
    customerText: true,
  },
  CUSTOMER_MAX_PENDING: {
    schema: z.coerce.number().int().min(0).max(100_000).default(200),
    doc: "How many of one customer's messages may wait for Flex (an outage, a backlog); beyond it new ones are not passed on, and the customer is told so; 0: no cap",
    example: '200',
  },
  NEW_CHATS_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).max(6_000).default(60),
    doc: 'How many new Flex chats each network may open per minute (as many at once, then evenly); a first message beyond it waits its turn, it is not lost; 0: no limit',
    example: '60',
  },
  METRICS_TOKEN: {
    schema: z.string().min(16, 'at least 16 characters').optional(),
    doc: 'Bearer token GET /metrics requires; unset, /metrics refuses every request (403) unless METRICS_PUBLIC=true',
    example: 'a-long-random-string',
    secret: true,
  },
  METRICS_PUBLIC: {
    schema: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    doc: 'true: GET /metrics answers without a token. Only where no untrusted client can reach PORT (the proxy denies /metrics, or a private scrape network); not together with METRICS_TOKEN',
    example: 'false',
  },
} as const;

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };
export type SettingName = keyof Settings;

export const secretSettings = (Object.keys(settings) as SettingName[]).filter(
  (name) => 'secret' in settings[name] && settings[name].secret,
);

/** The settings that hold a text the bridge sends customers (CUSTOMER_TEXTS_FILE gives them in other languages). */
export const customerTextSettings = (Object.keys(settings) as SettingName[]).filter((name) => 'customerText' in settings[name]);
function isCustomerTextSetting(name: string): name is SettingName {
  return (customerTextSettings as string[]).includes(name);
}
/** Settings holding a URL that may carry a password (a database, an egress proxy, a Bot API server behind one). */
const CREDENTIAL_URL_SETTINGS = ['DATABASE_URL', 'TWILIO_API_BASE_URL', 'TELEGRAM_API_ROOT', 'DISCORD_API_BASE_URL', 'SCHEDULE_URL'] as const;

/**
 * Every configured value that must never reach a log or a report: the secret settings, and the
 * password in each URL setting as written and as a client decodes it.
 */
export function secretValues(config: Config): string[] {
  const values = secretSettings.map((name) => config[name] as string | undefined);
  const passwords = CREDENTIAL_URL_SETTINGS.flatMap((name) => urlPasswords(config[name]));
  return [...values, ...passwords].filter((value): value is string => Boolean(value));
}

/** The upstream URL settings the bridge sends credentials to. */
const UPSTREAM_URL_SETTINGS = ['TWILIO_API_BASE_URL', 'TELEGRAM_API_ROOT', 'DISCORD_API_BASE_URL'] as const;

/**
 * Upstream URL settings that send credentials in cleartext over a network: plain http:// to a host
 * that is not loopback. Allowed (an egress proxy inside a private network), but worth a warning.
 */
export function cleartextUpstreams(config: Config): SettingName[] {
  return UPSTREAM_URL_SETTINGS.filter((name) => config[name] !== undefined && !isHttpsOrLoopback(config[name]));
}

function urlPasswords(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const written = new URL(url).password;
    return written ? [written, decodeURIComponent(written)] : [];
  } catch {
    return [];
  }
}

const schema = z.object(
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.schema])) as { [K in SettingName]: Settings[K]['schema'] },
);

/** Rules that join several settings; checked on the raw values so every problem is reported at once. */
function crossChecks(raw: Record<string, string | undefined>): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  const need = (key: SettingName, why: string) => {
    if (raw[key] === undefined) problems.push({ key, message: `required ${why}` });
  };
  const flexMode = raw.FLEX_MODE ?? 'conversations';
  if (!raw.TELEGRAM_BOT_TOKEN && !raw.DISCORD_BOT_TOKEN) {
    problems.push({ key: 'TELEGRAM_BOT_TOKEN', message: 'set TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN: no network is enabled' });
  }
  if (raw.TELEGRAM_BOT_TOKEN && raw.TELEGRAM_MODE === 'webhook') need('TELEGRAM_WEBHOOK_SECRET', 'when TELEGRAM_MODE=webhook');
  if (flexMode === 'conversations' && !raw.FLEX_STUDIO_FLOW_SID) {
    need('FLEX_WORKSPACE_SID', 'in conversations mode unless FLEX_STUDIO_FLOW_SID is set');
  }
  if (raw.METRICS_TOKEN && raw.METRICS_PUBLIC === 'true') {
    problems.push({ key: 'METRICS_PUBLIC', message: 'set METRICS_TOKEN or METRICS_PUBLIC=true, not both' });
  }
  if (raw.BUSINESS_HOURS || raw.BUSINESS_HOLIDAYS) need('BUSINESS_TIMEZONE', 'with BUSINESS_HOURS or BUSINESS_HOLIDAYS');
  if (raw.SCHEDULE_URL && (raw.BUSINESS_HOURS || raw.BUSINESS_HOLIDAYS)) {
    problems.push({ key: 'SCHEDULE_URL', message: 'set SCHEDULE_URL or BUSINESS_HOURS/BUSINESS_HOLIDAYS, not both' });
  }
  if (flexMode === 'legacy-chat') {
    need('FLEX_FLOW_SID', 'when FLEX_MODE=legacy-chat');
    need('FLEX_CHAT_SERVICE_SID', 'when FLEX_MODE=legacy-chat');
  }
  return problems;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { key: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.key}: ${p.message}`).join('\n')}`);
  }
}

/** A config file is JSON with the same keys as the environment; the environment wins. */
export function readConfigFile(path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ key: 'CONFIG_FILE', message: `cannot read ${path} as JSON (${(err as Error).message})` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([{ key: 'CONFIG_FILE', message: `${path} must hold a JSON object of settings` }]);
  }
  const unknown = Object.keys(parsed).filter((k) => !(k in settings));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((key) => ({ key, message: `unknown setting in ${path}` })));
  }
  // An object (FLEX_TASK_ATTRIBUTES) may be written as one, rather than as a string of JSON.
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)]));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.CONFIG_FILE ? readConfigFile(env.CONFIG_FILE) : {};
  const raw: Record<string, string | undefined> = { ...file };
  for (const key of Object.keys(settings)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const result = schema.safeParse(raw);
  const problems = [...(result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, raw))), ...crossChecks(raw)];
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => a.key.localeCompare(b.key)));
  return result.data as Config;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, string | undefined>): { key: string; message: string } {
  const key = String(issue.path[0] ?? 'config');
  if (!(key in settings)) return { key, message: issue.message };
  const setting = settings[key as SettingName];
  const value = raw[key];
  if (value === undefined) return { key, message: `required: ${setting.doc} (e.g. ${setting.example})` };
  // A URL's password is as secret as a secret setting (DATABASE_URL, a proxy in TWILIO_API_BASE_URL).
  const shown = 'secret' in setting && setting.secret ? '' : ` (got ${JSON.stringify(redactUrlPasswords(value))})`;
  const expected = issue.message.startsWith('Invalid') ? `a value like ${setting.example}` : issue.message;
  return { key, message: `expected ${expected}${shown}` };
}
