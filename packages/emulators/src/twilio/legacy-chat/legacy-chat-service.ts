import { invalidParameter, missingParameter, notFound, TwilioApiError } from '../http/errors.js';
import type { EmulatorEvents } from '../events.js';
import type {
  ChatChannelRecord,
  ChatMessageRecord,
  ChatUserRecord,
  ChatWebhookRecord,
  ChatWebhookType,
  LegacyChatState,
} from './legacy-chat-state.js';
import type { ChatWebhooks } from './legacy-chat-webhooks.js';
import type { MediaStore } from '../mcs/mcs.js';
import { newSid } from '../sids.js';
import type { Origin } from '../conversations/webhook-events.js';

export interface NewChatChannel {
  serviceSid: string;
  friendlyName: string | null;
  uniqueName: string | null;
  attributes: string;
  createdBy: string;
  flexFlowSid: string | null;
  userSid: string | null;
}

export interface ChatChannelPatch {
  friendlyName?: string;
  uniqueName?: string;
  attributes?: string;
}

export interface NewChatMessage {
  from?: string;
  body?: string;
  attributes?: string;
  mediaSid?: string;
}

export interface NewChatWebhook {
  type?: string;
  url?: string;
  method?: string;
  filters: string[];
  triggers: string[];
  flowSid?: string;
  retryCount?: string;
}

const WEBHOOK_TYPES: readonly ChatWebhookType[] = ['webhook', 'studio', 'trigger'];
export const MAX_WEBHOOKS_PER_CHANNEL = 5;

/** Programmable Chat v2 in the account's one chat service (the Flex Chat Service): its resources and rules. */
export class ChatService {
  constructor(
    private readonly state: LegacyChatState,
    private readonly webhooks: ChatWebhooks,
    private readonly events: EmulatorEvents,
    private readonly media: MediaStore,
  ) {}

  list(): ChatChannelRecord[] {
    return [...this.state.channels.values()];
  }

  /** A channel as a REST path names it: `/Services/{IS}/Channels/{CH or unique name}`. */
  get(serviceSid: string, sidOrUniqueName: string): ChatChannelRecord {
    if (serviceSid !== this.state.account.chatServiceSid) throw notFound(`/Services/${serviceSid}`);
    const channel =
      this.state.channels.get(sidOrUniqueName) ?? this.list().find((c) => c.uniqueName === sidOrUniqueName);
    if (!channel) throw notFound(`/Services/${serviceSid}/Channels/${sidOrUniqueName}`);
    return channel;
  }

  /** A channel by its SID alone (agent actions, inspection). */
  channel(channelSid: string): ChatChannelRecord {
    return this.get(this.state.account.chatServiceSid, channelSid);
  }

  create(input: NewChatChannel): ChatChannelRecord {
    if (input.uniqueName !== null && this.list().some((c) => c.uniqueName === input.uniqueName)) {
      throw new TwilioApiError(409, 50307, 'Channel with provided unique name already exists');
    }
    const now = new Date();
    const channel: ChatChannelRecord = {
      ...input,
      sid: newSid('CH'),
      type: 'private',
      members: [],
      messages: [],
      webhooks: [],
      nextMessageIndex: 0,
      dateCreated: now,
      dateUpdated: now,
    };
    this.state.channels.set(channel.sid, channel);
    return channel;
  }

  update(channel: ChatChannelRecord, patch: ChatChannelPatch, origin: Origin): ChatChannelRecord {
    if (patch.uniqueName !== undefined && patch.uniqueName !== channel.uniqueName) {
      if (this.list().some((c) => c.uniqueName === patch.uniqueName)) {
        throw new TwilioApiError(409, 50307, 'Channel with provided unique name already exists');
      }
      channel.uniqueName = patch.uniqueName;
    }
    if (patch.friendlyName !== undefined) channel.friendlyName = patch.friendlyName;
    if (patch.attributes !== undefined) channel.attributes = jsonAttributes(patch.attributes);
    channel.dateUpdated = new Date();
    this.events.emit('chatChannel', { channelSid: channel.sid, attributes: channel.attributes, at: channel.dateUpdated });
    this.webhooks.channelUpdated(channel, origin);
    return channel;
  }

  remove(channel: ChatChannelRecord): void {
    this.state.channels.delete(channel.sid);
  }

  /** The chat user with this identity, created on first use. */
  user(identity: string, friendlyName: string | null): ChatUserRecord {
    let user = this.state.users.get(identity);
    if (user === undefined) {
      user = { sid: newSid('US'), identity, friendlyName, dateCreated: new Date() };
      this.state.users.set(identity, user);
    }
    return user;
  }

  /** A chat user of the service by SID or identity (Chat takes either: https://www.twilio.com/docs/chat/rest/user-resource). */
  userOf(serviceSid: string, sidOrIdentity: string): ChatUserRecord {
    if (serviceSid !== this.state.account.chatServiceSid) throw notFound(`/Services/${serviceSid}`);
    const user = this.state.users.get(sidOrIdentity) ?? [...this.state.users.values()].find((u) => u.sid === sidOrIdentity);
    if (!user) throw notFound(`/Services/${serviceSid}/Users/${sidOrIdentity}`);
    return user;
  }

  /** A new member fires `onMemberAdded` (a channel made through Flex has its customer before any webhook). */
  addMember(channel: ChatChannelRecord, identity: string, origin: Origin): void {
    this.user(identity, null);
    if (channel.members.includes(identity)) return;
    channel.members.push(identity);
    this.webhooks.memberAdded(channel, identity, origin);
  }

  addMessage(channel: ChatChannelRecord, input: NewChatMessage, origin: Origin): ChatMessageRecord {
    if (input.body === undefined && input.mediaSid === undefined) {
      throw invalidParameter('Body', 'a message needs a Body or a MediaSid');
    }
    const media = input.mediaSid === undefined ? undefined : this.media.record(input.mediaSid);
    if (input.mediaSid !== undefined && !media) throw invalidParameter('MediaSid', `no media ${input.mediaSid} in the service`);
    const now = new Date();
    const message: ChatMessageRecord = {
      sid: newSid('IM'),
      channelSid: channel.sid,
      index: channel.nextMessageIndex++,
      from: input.from ?? 'system',
      body: input.body ?? null,
      attributes: jsonAttributes(input.attributes),
      media: media ?? null,
      dateCreated: now,
      dateUpdated: now,
    };
    channel.messages.push(message);
    this.events.emit('chatMessage', structuredClone(message));
    this.webhooks.messageSent(channel, message, origin);
    return message;
  }

  addWebhook(channel: ChatChannelRecord, input: NewChatWebhook): ChatWebhookRecord {
    if (channel.webhooks.length >= MAX_WEBHOOKS_PER_CHANNEL) {
      throw new TwilioApiError(400, 20001, `A channel can have at most ${MAX_WEBHOOKS_PER_CHANNEL} webhooks`);
    }
    const type = parseType(input.type);
    if (type !== 'studio' && !isHttpUrl(input.url)) {
      throw invalidParameter('Configuration.Url', `an absolute http(s) URL is required for type ${type}`);
    }
    if (type === 'studio' && !input.flowSid) throw missingParameter('Configuration.FlowSid');
    const now = new Date();
    const webhook: ChatWebhookRecord = {
      sid: newSid('WH'),
      channelSid: channel.sid,
      type,
      url: input.url ?? null,
      method: parseMethod(input.method),
      filters: input.filters,
      triggers: input.triggers,
      flowSid: input.flowSid ?? null,
      retryCount: parseRetryCount(input.retryCount),
      dateCreated: now,
      dateUpdated: now,
    };
    channel.webhooks.push(webhook);
    return webhook;
  }

  removeWebhook(channel: ChatChannelRecord, webhookSid: string): void {
    channel.webhooks = channel.webhooks.filter((w) => w.sid !== webhookSid);
  }
}

export function jsonAttributes(attributes: string | undefined): string {
  if (attributes === undefined) return '{}';
  try {
    JSON.parse(attributes);
  } catch {
    throw invalidParameter('Attributes', 'must be a JSON string');
  }
  return attributes;
}

function parseType(type: string | undefined): ChatWebhookType {
  if (type === undefined) throw missingParameter('Type');
  const known = WEBHOOK_TYPES.find((t) => t === type);
  if (!known) throw invalidParameter('Type', `expected one of ${WEBHOOK_TYPES.join(', ')}`);
  return known;
}

function parseMethod(method: string | undefined): 'GET' | 'POST' {
  if (method === undefined) return 'POST';
  if (method !== 'GET' && method !== 'POST') throw invalidParameter('Configuration.Method', 'expected GET or POST');
  return method;
}

function parseRetryCount(retryCount: string | undefined): number {
  if (retryCount === undefined) return 0;
  const count = Number(retryCount);
  if (!Number.isInteger(count) || count < 0 || count > 3) throw invalidParameter('Configuration.RetryCount', 'expected 0 to 3');
  return count;
}

function isHttpUrl(url: string | undefined): boolean {
  if (url === undefined || !URL.canParse(url)) return false;
  const { protocol } = new URL(url);
  return protocol === 'http:' || protocol === 'https:';
}
