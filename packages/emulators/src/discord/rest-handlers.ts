import { apiError, DiscordApiError, invalidFormBody } from './api-error.js';
import { MAX_ATTACHMENT_BYTES } from './attachments.js';
import { isMultipartBody, type UploadedFile } from '../shared/multipart.js';
import { channelMessagesPage } from './channel-messages.js';
import { asReply, type ReferenceRequest } from './replies.js';
import { messageObject } from './message-objects.js';
import { isSnowflake } from './snowflake.js';
import type { DiscordState } from './state.js';
import type { BotMessage, DcAttachment, DcMessage } from './types.js';
import { buttonsOf, type Interactions } from './interactions.js';

/** What a REST handler may read and change. */
export interface RestContext {
  state: DiscordState;
  /** The gateway URL clients connect to (`GET /gateway/bot`). */
  gatewayUrl: () => string;
  /** The bot created a message: record it, echo it on the gateway, tell listeners. */
  onBotMessage: (sent: BotMessage) => void;
  /** Keeps an uploaded file and returns the url it is served at. */
  storeAttachment: (channelId: string, attachmentId: string, file: { filename: string; data: Buffer; contentType: string }) => string;
  /** An attachment url signed anew from now; a url that is no attachment of the emulator's comes back as it is. */
  signAttachmentUrlAnew: (url: string) => string;
  /** Clicks on the bot's buttons, and the bot's answers to them. */
  interactions: Interactions;
}

export interface RestCall {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
}

export interface RestResult {
  status: number;
  body?: unknown;
}

export interface RestRoute {
  method: 'GET' | 'POST';
  /** Below `/api/v10`; `method url` is the route's name in faults and recorded requests. */
  url: string;
  /** Needs `Authorization: Bot <token>`. */
  auth: boolean;
  handler: (call: RestCall, ctx: RestContext) => RestResult;
}

const ok = (body: unknown): RestResult => ({ status: 200, body });

/**
 * The REST surface a DM bot uses: gateway discovery (https://discord.com/developers/docs/events/gateway#get-gateway-bot),
 * users and DMs (https://discord.com/developers/docs/resources/user), channels and typing
 * (https://discord.com/developers/docs/resources/channel), Create Message
 * (https://discord.com/developers/docs/resources/message#create-message), Get Channel Messages
 * (https://discord.com/developers/docs/resources/message#get-channel-messages) and Get Channel Message
 * (https://discord.com/developers/docs/resources/message#get-channel-message).
 */
export const ROUTES: readonly RestRoute[] = [
  { method: 'GET', url: '/gateway', auth: false, handler: (_call, ctx) => ok({ url: ctx.gatewayUrl() }) },
  {
    method: 'GET',
    url: '/gateway/bot',
    auth: true,
    handler: (_call, ctx) =>
      ok({
        url: ctx.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
      }),
  },
  // The current user comes with its account settings (the spec's UserPIIResponse).
  { method: 'GET', url: '/users/@me', auth: true, handler: (_call, ctx) => ok({ ...ctx.state.bot, mfa_enabled: false, locale: 'en-US' }) },
  {
    method: 'GET',
    url: '/users/:id',
    auth: true,
    handler: ({ params }, ctx) => ok(requireUser(ctx, params.id).user),
  },
  { method: 'POST', url: '/users/@me/channels', auth: true, handler: openDm },
  {
    method: 'GET',
    url: '/channels/:id',
    auth: true,
    handler: ({ params }, ctx) => ok(requireDm(ctx, params.id).channel),
  },
  {
    method: 'POST',
    url: '/channels/:id/typing',
    auth: true,
    handler: ({ params }, ctx) => {
      requireDm(ctx, params.id);
      return { status: 204 };
    },
  },
  { method: 'POST', url: '/channels/:id/messages', auth: true, handler: createMessage },
  { method: 'GET', url: '/channels/:channel_id/messages', auth: true, handler: listMessages },
  { method: 'GET', url: '/channels/:channel_id/messages/:message_id', auth: true, handler: getMessage },
  // Answered with the interaction's token, not the bot's (https://discord.com/developers/docs/interactions/receiving-and-responding#create-interaction-response).
  {
    method: 'POST',
    url: '/interactions/:interaction_id/:interaction_token/callback',
    auth: false,
    handler: ({ params, body }, ctx) => {
      ctx.interactions.respond(params.interaction_id ?? '', params.interaction_token ?? '', body, ctx.onBotMessage);
      return { status: 204 };
    },
  },
];

/**
 * `GET /channels/:channel_id/messages/:message_id` (https://discord.com/developers/docs/resources/message#get-channel-message):
 * a message of a DM the bot is in, its attachment urls signed anew, as on every payload Discord sends
 * (https://discord.com/developers/docs/reference#signed-attachment-cdn-urls).
 */
function getMessage({ params }: RestCall, ctx: RestContext): RestResult {
  const { channel } = requireDm(ctx, params.channel_id);
  const message = ctx.state.message(params.message_id ?? '');
  if (!message || message.channel_id !== channel.id) throw apiError(404, 10008);
  return ok(withAttachmentUrlsSignedAnew(message, ctx.signAttachmentUrlAnew));
}

/** `GET /channels/:channel_id/messages`: a page of a DM the bot is in, newest first, attachment urls signed anew. */
function listMessages({ params, query }: RestCall, ctx: RestContext): RestResult {
  const { channel } = requireDm(ctx, params.channel_id);
  const page = channelMessagesPage(ctx.state.messagesIn(channel.id), query);
  return ok(page.map((message) => withAttachmentUrlsSignedAnew(message, ctx.signAttachmentUrlAnew)));
}

function withAttachmentUrlsSignedAnew(message: DcMessage, signAnew: (url: string) => string): DcMessage {
  const signed = (attachments: DcAttachment[]) => attachments.map((a) => ({ ...a, url: signAnew(a.url), proxy_url: signAnew(a.proxy_url) }));
  return {
    ...message,
    attachments: signed(message.attachments),
    ...(message.message_snapshots
      ? { message_snapshots: message.message_snapshots.map(({ message: m }) => ({ message: { ...m, attachments: signed(m.attachments) } })) }
      : {}),
  };
}

/** `POST /users/@me/channels {recipient_id}`: returns the existing DM channel when there is one. */
function openDm({ body }: RestCall, ctx: RestContext): RestResult {
  const recipientId = (body as { recipient_id?: unknown } | undefined)?.recipient_id;
  if (!isSnowflake(recipientId)) throw invalidFormBody('recipient_id', 'NUMBER_TYPE_COERCE', `Value "${String(recipientId)}" is not snowflake.`);
  requireUser(ctx, recipientId);
  return ok(ctx.state.openDm(recipientId));
}

/**
 * `POST /channels/:id/messages` with a JSON body, or multipart with `files[n]` parts and the JSON in a
 * `payload_json` part (no embeds or stickers). The body's types and lengths were checked against the
 * spec before (request-contract.ts).
 */
function createMessage({ params, body }: RestCall, ctx: RestContext): RestResult {
  const target = requireDm(ctx, params.id ?? '');
  const { fields, uploads } = messageBody(body);
  const content = typeof fields.content === 'string' ? fields.content : '';
  const components = componentsOf(fields);
  if (content.trim() === '' && uploads.length === 0 && components.length === 0) throw apiError(400, 50006);
  if (uploads.some((file) => file.data.length > MAX_ATTACHMENT_BYTES)) {
    throw new DiscordApiError(413, 40005, 'Request entity too large');
  }
  if (target.recipient.blocksDms) throw apiError(403, 50007);
  const nonce = nonceOf(fields);
  const author = ctx.state.bot;
  const earlier = nonce === undefined ? undefined : ctx.state.messageWithNonce(author.id, nonce);
  if (earlier) return ok(earlier);

  const attachments: DcAttachment[] = uploads.map((file) => {
    const id = ctx.state.ids.next();
    const url = ctx.storeAttachment(target.channel.id, id, file);
    return { id, filename: file.filename, size: file.data.length, url, proxy_url: url, content_type: file.contentType };
  });
  const message = asReply(
    messageObject({ id: ctx.state.ids.next(), channelId: target.channel.id, author, content, attachments }),
    fields.message_reference,
    ctx.state,
  );
  message.components = components;
  target.channel.last_message_id = message.id;
  if (nonce !== undefined) ctx.state.rememberNonce(author.id, nonce, message);
  const sent: BotMessage = {
    message,
    recipientId: target.recipient.user.id,
    ...(fields.allowed_mentions !== undefined ? { allowedMentions: fields.allowed_mentions } : {}),
  };
  ctx.onBotMessage(sent);
  return ok(message);
}

interface MessageFields {
  content?: unknown;
  message_reference?: ReferenceRequest;
  components?: unknown;
  allowed_mentions?: unknown;
  nonce?: unknown;
  enforce_nonce?: unknown;
}

/**
 * The action rows of buttons, as sent (their shape was checked against the spec); a `custom_id` must be
 * unique within the message (https://discord.com/developers/docs/components/reference#anatomy-of-a-component-custom-id).
 */
function componentsOf(fields: MessageFields): unknown[] {
  if (!Array.isArray(fields.components)) return [];
  const ids = buttonsOf({ components: fields.components }).flatMap((button) => (button.custom_id === undefined ? [] : [button.custom_id]));
  if (new Set(ids).size !== ids.length) throw invalidFormBody('components', 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  return withComponentIds(fields.components as ComponentTree[]);
}

type ComponentTree = { id?: number; components?: ComponentTree[] } & Record<string, unknown>;

/** Discord numbers the components it was given without an `id` in order, rows and their buttons alike. */
function withComponentIds(rows: ComponentTree[]): ComponentTree[] {
  let next = 1;
  const numbered = (component: ComponentTree): ComponentTree => {
    const id = component.id ?? next;
    next = Math.max(next, id) + 1;
    return { ...component, id, ...(component.components ? { components: component.components.map(numbered) } : {}) };
  };
  return rows.map(numbered);
}

/** The nonce to deduplicate on: only with `enforce_nonce: true`, as on Discord. */
function nonceOf(fields: MessageFields): string | undefined {
  if (fields.nonce === undefined || fields.nonce === null) return undefined;
  return fields.enforce_nonce === true ? String(fields.nonce) : undefined;
}

function messageBody(body: unknown): { fields: MessageFields; uploads: UploadedFile[] } {
  if (!isMultipartBody(body)) return { fields: (typeof body === 'object' && body !== null ? body : {}) as MessageFields, uploads: [] };
  let fields: MessageFields = {};
  const json = body.fields.payload_json;
  if (json !== undefined) {
    try {
      fields = JSON.parse(json) as MessageFields;
    } catch {
      throw apiError(400, 50109);
    }
  }
  const uploads = Object.entries(body.files)
    .filter(([name]) => /^files\[\d+\]$/.test(name))
    .map(([, file]) => file);
  return { fields, uploads };
}

function requireUser(ctx: RestContext, id: string | undefined) {
  const record = id === undefined ? undefined : ctx.state.user(id);
  if (!record) throw apiError(404, 10013);
  return record;
}

function requireDm(ctx: RestContext, channelId: string | undefined) {
  const found = channelId === undefined ? undefined : ctx.state.dmChannel(channelId);
  if (!found) throw apiError(404, 10003);
  return found;
}
