import type twilio from 'twilio';
import type { FlexMedia, MediaFile } from '../core/messages.js';
import { DeliveryError } from '../core/delivery-error.js';
import {
  ChatClosedError,
  MalformedWebhookError,
  type FlexBackend,
  type FlexEvent,
  type OpenChatRequest,
  type OpenedChat,
  type PostedMessage,
  type PostedRef,
  type RecentMessage,
  type SurveyResult,
  type WebhookParams,
} from './backend.js';
import { SurveyTasks } from './survey-tasks.js';
import { bridgeAttributes, bridgeIdOf } from './bridge-message-id.js';
import { contextAttributes, type ExtraAttributes } from './chat-attributes.js';
import { chatMessageMediaOf } from './legacy-chat-media.js';
import type { McsClient } from './mcs-client.js';
import { postChannelMessage } from './message-post.js';
import { flexMediaOf, type RestMedia } from './rest-media.js';
import { field, indexOf, optionalField } from './webhook-params.js';

export interface LegacyChatBackendOptions {
  readonly client: twilio.Twilio;
  readonly mcs: McsClient;
  readonly publicBaseUrl: string;
  readonly flexFlowSid: string;
  readonly chatServiceSid: string;
  /** The operator's constant attributes for each chat (FLEX_TASK_ATTRIBUTES). */
  readonly extraAttributes: ExtraAttributes;
  /** The TaskRouter workspace of the Flex Flow's tasks: where survey ratings go; absent: nowhere. */
  readonly workspaceSid?: string;
  /** The workflow survey tasks are created in: TaskRouter needs one when the workspace has several. */
  readonly workflowSid?: string;
}

/** `onMessageSent`; registered with `?channel=CH…` in the query, as the original custom-chat sample did. */
export const LEGACY_MESSAGE_WEBHOOK_PATH = '/flex/legacy-chat/messages';
/** `onChannelUpdated` (how the end of the chat, `status: INACTIVE`, arrives) and `onMemberAdded` (an agent joined). */
export const LEGACY_CHANNEL_WEBHOOK_PATH = '/flex/legacy-chat/channel-updates';
const RECENT_MESSAGES_CHECKED = 20;
const RECENT_MESSAGES_READ_BACK = 50;
/** Twilio's largest page of a list (`PageSize`); twilio-node would ask for the whole `limit` in one. */
const MAX_PAGE_SIZE = 100;
/**
 * Chat retries a channel webhook whose call failed this many times, at most; the default is none
 * (`Configuration.RetryCount`, https://www.twilio.com/docs/chat/rest/channel-webhook-resource).
 */
const WEBHOOK_RETRIES = 3;

interface Subscription {
  readonly filter: 'onMessageSent' | 'onChannelUpdated' | 'onMemberAdded';
  readonly url: string;
}

/** Legacy Flex custom chat: Flex Channels v1 (over a Flex Flow) for the chat, Programmable Chat v2 for the rest. */
export class LegacyChatBackend implements FlexBackend {
  readonly mode = 'legacy-chat' as const;
  readonly webhookPaths = [LEGACY_MESSAGE_WEBHOOK_PATH, LEGACY_CHANNEL_WEBHOOK_PATH];

  /** Survey ratings become tasks, so only with a workspace. */
  readonly recordSurvey?: (result: SurveyResult) => Promise<void>;

  constructor(private readonly opts: LegacyChatBackendOptions) {
    const { workspaceSid } = opts;
    if (workspaceSid) {
      // A Flex Flow's chat task names its channel `channelSid`.
      const surveys = new SurveyTasks({
        client: opts.client,
        workspaceSid,
        ...(opts.workflowSid && { workflowSid: opts.workflowSid }),
        taskChannel: 'chat',
        chatAttribute: 'channelSid',
      });
      this.recordSurvey = (result) => surveys.record(result);
    }
  }

  private channel(sid: string) {
    return this.opts.client.chat.v2.services(this.opts.chatServiceSid).channels(sid);
  }

  /**
   * Flex answers with the customer's still active channel when there is one for the same target, so
   * opening is repeatable: a failed step leaves the channel (see `discardChat`) and the next attempt
   * gets the same channel back and finishes what is missing.
   */
  async openChat(req: OpenChatRequest, onCreated: (flexSid: string) => Promise<void>): Promise<OpenedChat> {
    const { sid } = await this.opts.client.flexApi.v1.channel.create({
      flexFlowSid: this.opts.flexFlowSid,
      identity: req.identity,
      chatUserFriendlyName: req.displayName,
      chatFriendlyName: req.handle,
      target: req.handle,
      // Flex keeps it in the channel's attributes (`pre_engagement_data`), where the Flex Flow's Studio
      // flow can put it into the task's attributes (https://www.twilio.com/docs/flex/developer/messaging/chat-channel).
      preEngagementData: JSON.stringify(contextAttributes(req, this.opts.extraAttributes)),
    });
    await onCreated(sid);
    const reused = await this.subscribe(sid);
    // Only a channel that already had our webhooks can hold an earlier copy of the first message.
    const copy = reused ? await this.earlierCopy(sid, req.firstMessage.bridgeMessageId) : undefined;
    const first = copy ?? (await this.createMessage(sid, req.firstMessage));
    return { flexSid: sid, firstIndex: first.index, firstSid: first.sid };
  }

  /** Adds the webhooks the channel lacks; true when it already had some of them (a reused channel). */
  private async subscribe(sid: string): Promise<boolean> {
    const wanted: Subscription[] = [
      { filter: 'onMessageSent', url: `${this.opts.publicBaseUrl}${LEGACY_MESSAGE_WEBHOOK_PATH}?channel=${sid}` },
      { filter: 'onChannelUpdated', url: `${this.opts.publicBaseUrl}${LEGACY_CHANNEL_WEBHOOK_PATH}` },
      { filter: 'onMemberAdded', url: `${this.opts.publicBaseUrl}${LEGACY_CHANNEL_WEBHOOK_PATH}` },
    ];
    const existing = await this.channel(sid).webhooks.list();
    const missing = wanted.filter((w) => !existing.some((e) => isSubscription(e, w)));
    for (const { filter, url } of missing) {
      await this.channel(sid).webhooks.create({
        type: 'webhook',
        'configuration.url': url,
        'configuration.method': 'POST',
        'configuration.filters': [filter],
        'configuration.retryCount': WEBHOOK_RETRIES,
      });
    }
    return missing.length < wanted.length;
  }

  /**
   * A Chat channel has no state: an ended chat still takes messages, and only its attributes say
   * `status: INACTIVE`. So after each post the channel is read: a message that went into an ended chat
   * (its `onChannelUpdated` lost) throws ChatClosedError, and the bridge posts it into a new chat. Read
   * after the post rather than before, so a chat that ends between the two is caught too; one GET per
   * post, and none for chats nobody writes to.
   */
  async postMessage(flexSid: string, msg: PostedMessage, opts: { checkFirst: boolean }): Promise<PostedRef> {
    try {
      const copy = opts.checkFirst ? await this.earlierCopy(flexSid, msg.bridgeMessageId) : undefined;
      const { index, sid } = copy ?? (await this.createMessage(flexSid, msg));
      const channel = await this.channel(flexSid).fetch();
      if (isInactive(channel.attributes)) throw new ChatClosedError(flexSid);
      return { index, sid };
    } catch (err) {
      if (err instanceof DeliveryError && err.status === 404) throw new ChatClosedError(flexSid);
      throw err;
    }
  }

  /**
   * The channel's latest messages, oldest first, for reading back an `onMessageSent` that never came.
   * The REST message has no `Source`; the bridge tells its own posts and the customer's by `from` (the
   * same rule as for webhooks), so everything else — agents, Studio, bots — reaches the customer either way.
   */
  async recentMessages(flexSid: string, limit = RECENT_MESSAGES_READ_BACK): Promise<RecentMessage[]> {
    const recent = await this.channel(flexSid).messages.list({ order: 'desc', limit, pageSize: Math.min(limit, MAX_PAGE_SIZE) });
    return recent.reverse().map((m) => {
      const media = m.media as RestMedia | null;
      return {
        type: 'message',
        flexSid,
        messageSid: m.sid,
        author: m.from,
        body: m.body ?? '',
        media: media ? [flexMediaOf(media)] : [],
        index: m.index,
        retryCount: 0,
        createdAt: m.dateCreated.getTime(),
      };
    });
  }

  uploadMedia(file: MediaFile): Promise<string> {
    return this.opts.mcs.upload(this.opts.chatServiceSid, file);
  }

  fetchMedia(media: FlexMedia): Promise<MediaFile> {
    return this.opts.mcs.download(this.opts.chatServiceSid, media.sid);
  }

  /**
   * The agent's name as Flex gives it their chat user: its `friendly_name`
   * (https://www.twilio.com/docs/chat/rest/user-resource; fetched by identity).
   */
  async participantName(identity: string): Promise<string | undefined> {
    const user = await this.opts.client.chat.v2.services(this.opts.chatServiceSid).users(identity).fetch();
    return user.friendlyName?.trim() || undefined;
  }

  /**
   * The customer ended the chat: the channel is marked `status: INACTIVE`, keeping its other attributes,
   * as Flex's own "end chat" marks it; the agent's task stays for wrap-up. An ended or removed channel is fine.
   */
  async endChat(flexSid: string): Promise<void> {
    try {
      const channel = await this.channel(flexSid).fetch();
      if (isInactive(channel.attributes)) return;
      const attributes = JSON.stringify({ ...attributesOrNone(channel.attributes), status: 'INACTIVE' });
      await this.channel(flexSid).update({ attributes });
    } catch (err) {
      if (!(err instanceof DeliveryError && err.status === 404)) throw err;
    }
  }

  private createMessage(sid: string, msg: PostedMessage): Promise<PostedRef> {
    const fields = {
      From: msg.author,
      Attributes: bridgeAttributes(msg.bridgeMessageId),
      ...(msg.text !== '' || !msg.mediaSid ? { Body: msg.text } : {}),
      ...(msg.mediaSid ? { MediaSid: msg.mediaSid } : {}),
    };
    // Webhooks on: without them the Flex Flow's Studio webhook never sees the message and no task is
    // created. Our own posts come back as `Source=API` and are ignored.
    return postChannelMessage(this.opts.client, this.opts.chatServiceSid, sid, fields, true);
  }

  private async earlierCopy(sid: string, bridgeMessageId: string): Promise<PostedRef | undefined> {
    const recent = await this.channel(sid).messages.list({ order: 'desc', limit: RECENT_MESSAGES_CHECKED });
    return recent.find((m) => bridgeIdOf(m.attributes) === bridgeMessageId);
  }

  /**
   * Leaves the channel as it is. Flex hands the same active channel back for the same target, so the
   * channel of a half-finished opening may be one the customer already had, with a task an agent is
   * working on: deleting it would take that chat from the agent, and marking it INACTIVE would end it
   * (and send us an `onChannelUpdated` for the very chat we are opening). Left alone, a channel that
   * never got its first message has no task and nobody sees it; the next `openChat` gets it back by
   * its target, so it needs no `openingKey` either, even when its sid was never recorded.
   */
  async discardChat(): Promise<void> {}

  parseWebhook(_path: string, params: WebhookParams): FlexEvent {
    const eventType = field(params, 'EventType');
    switch (eventType) {
      case 'onMessageSent':
        return messageSent(params);
      case 'onChannelUpdated':
        return channelUpdated(params);
      case 'onMemberAdded':
        return { type: 'participant-joined', flexSid: field(params, 'ChannelSid'), identity: field(params, 'Identity') };
      default:
        return { type: 'ignored', reason: `event ${eventType}` };
    }
  }
}

/**
 * Agents type in the Flex UI (`Source=SDK`); Studio's widgets and bots post over REST (`Source=API`),
 * as do we. Both reach the bridge, which drops its own posts and the customer's by `From`.
 */
function messageSent(params: WebhookParams): FlexEvent {
  return {
    type: 'message',
    flexSid: field(params, 'ChannelSid'),
    messageSid: field(params, 'MessageSid'),
    author: field(params, 'From'),
    body: optionalField(params, 'Body') ?? '',
    media: chatMessageMediaOf(params),
    index: indexOf(params),
    retryCount: Number(optionalField(params, 'RetryCount') ?? 0) || 0,
  };
}

/** Flex ends a chat by setting `status: "INACTIVE"` in the channel attributes. */
function channelUpdated(params: WebhookParams): FlexEvent {
  const flexSid = field(params, 'ChannelSid');
  const status = channelAttributes(field(params, 'Attributes')).status;
  return status === 'INACTIVE' ? { type: 'ended', flexSid } : { type: 'ignored', reason: `channel status ${String(status)}` };
}

/** A channel read over REST whose attributes say it ended. */
function isInactive(attributes: string): boolean {
  return attributesOrNone(attributes).status === 'INACTIVE';
}

/** Attributes that are not a JSON object say nothing. */
function attributesOrNone(raw: string): Record<string, unknown> {
  try {
    return channelAttributes(raw);
  } catch {
    return {};
  }
}

function channelAttributes(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new MalformedWebhookError('Attributes is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MalformedWebhookError('Attributes is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function isSubscription(webhook: { type: string; configuration: unknown }, wanted: Subscription): boolean {
  const configuration = (webhook.configuration ?? {}) as { url?: unknown; filters?: unknown };
  return (
    webhook.type === 'webhook' &&
    configuration.url === wanted.url &&
    Array.isArray(configuration.filters) &&
    configuration.filters.includes(wanted.filter)
  );
}
