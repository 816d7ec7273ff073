import { randomUUID } from 'node:crypto';
import type { ChatChannelRecord, ChatMessageRecord, ChatWebhookRecord } from './legacy-chat-state.js';
import { newSid, twilioTimestamp } from '../sids.js';
import type { EmulatedAccount } from '../state.js';
import type { Origin } from '../conversations/webhook-events.js';
import type { WebhookDelivery, WebhookSender } from '../http/webhooks.js';

/** What a `studio` channel webhook does when a message is sent (see legacy-studio.ts). */
export type ChatStudioTrigger = (channel: ChatChannelRecord, webhook: ChatWebhookRecord, message: ChatMessageRecord) => void;

/**
 * Programmable Chat post-event webhooks of channel-scoped webhooks (https://www.twilio.com/docs/chat/webhook-events): form-encoded,
 * signed, fired for REST actions only with `X-Twilio-Webhook-Enabled: true`. Not awaited, like Twilio. A call
 * that fails (no answer, or not 2xx) is sent again up to the webhook's `Configuration.RetryCount` times, 0 by
 * default (https://www.twilio.com/docs/chat/rest/channel-webhook-resource), with `RetryCount` counting up
 * and the same idempotency token.
 */
export class ChatWebhooks {
  private eventsToLose = 0;

  constructor(
    private readonly account: EmulatedAccount,
    private readonly sender: WebhookSender,
    private readonly onStudio: ChatStudioTrigger,
  ) {}

  messageSent(channel: ChatChannelRecord, message: ChatMessageRecord, origin: Origin): void {
    if (!firesWebhooks(origin)) return;
    const params = messageSentParams(channel, message);
    // subscribed() returns a copy, so Send to Flex may remove its own webhook while we loop.
    for (const webhook of subscribed(channel, 'onMessageSent')) {
      if (webhook.type === 'studio') this.onStudio(channel, webhook, message);
      if (webhook.type === 'webhook') {
        void this.sendWithRetries({ channel, webhook, eventType: 'onMessageSent', params, messageSid: message.sid, origin });
      }
    }
  }

  /** Every call of the next `count` events is lost, retries included: the event never arrives. */
  loseNextEvents(count: number): void {
    this.eventsToLose += count;
  }

  /** An agent's `onMessageSent` for a message that does not exist, signed with the wrong key; resolves when sent. */
  forgedMessageSent(channel: ChatChannelRecord, forged: { from: string; body: string }): Promise<WebhookDelivery>[] {
    const now = new Date();
    const message: ChatMessageRecord = {
      sid: newSid('IM'),
      channelSid: channel.sid,
      index: channel.nextMessageIndex,
      from: forged.from,
      body: forged.body,
      attributes: '{}',
      media: null,
      dateCreated: now,
      dateUpdated: now,
    };
    const params = messageSentParams(channel, message);
    const origin: Origin = { kind: 'sdk', identity: forged.from };
    return subscribed(channel, 'onMessageSent')
      .filter((webhook) => webhook.type === 'webhook')
      .map((webhook) =>
        this.send(
          { channel, webhook, eventType: 'onMessageSent', params, messageSid: message.sid, origin },
          { idempotencyToken: randomUUID(), lost: false, retryCount: 0, forged: true },
        ),
      );
  }

  channelUpdated(channel: ChatChannelRecord, origin: Origin): void {
    if (!firesWebhooks(origin)) return;
    const params = withoutNulls({
      ChannelSid: channel.sid,
      ChannelType: channel.type,
      Attributes: channel.attributes,
      FriendlyName: channel.friendlyName,
      UniqueName: channel.uniqueName,
      CreatedBy: channel.createdBy,
      DateCreated: twilioTimestamp(channel.dateCreated),
      DateUpdated: twilioTimestamp(channel.dateUpdated),
    });
    for (const webhook of subscribed(channel, 'onChannelUpdated')) {
      if (webhook.type === 'webhook') void this.sendWithRetries({ channel, webhook, eventType: 'onChannelUpdated', params, messageSid: null, origin });
    }
  }

  /**
   * `onMemberAdded` (https://www.twilio.com/docs/chat/webhook-events): `ChannelSid`, `Identity`, `MemberSid`,
   * `Reason` (`ADDED`: someone added the member, as Flex adds an agent who accepts) and `DateCreated`.
   */
  memberAdded(channel: ChatChannelRecord, identity: string, origin: Origin): void {
    if (!firesWebhooks(origin)) return;
    const params = { ChannelSid: channel.sid, Identity: identity, MemberSid: newSid('MB'), Reason: 'ADDED', DateCreated: twilioTimestamp(new Date()) };
    for (const webhook of subscribed(channel, 'onMemberAdded')) {
      if (webhook.type === 'webhook') void this.sendWithRetries({ channel, webhook, eventType: 'onMemberAdded', params, messageSid: null, origin });
    }
  }

  private async sendWithRetries(event: ChatEvent): Promise<WebhookDelivery> {
    const lost = this.eventsToLose > 0;
    if (lost) this.eventsToLose--;
    const attempt: Attempt = { idempotencyToken: randomUUID(), lost, retryCount: 0, forged: false };
    let delivery = await this.send(event, attempt);
    while (failed(delivery) && attempt.retryCount < event.webhook.retryCount) {
      attempt.retryCount++;
      delivery = await this.send(event, attempt);
    }
    return delivery;
  }

  private send({ channel, webhook, eventType, params, messageSid, origin }: ChatEvent, attempt: Attempt): Promise<WebhookDelivery> {
    return this.sender.send({
      eventType,
      // The sender keeps the calls of one conversation — here one channel — in order.
      conversationSid: channel.sid,
      messageSid,
      webhookSid: webhook.sid,
      url: webhook.url ?? '',
      method: webhook.method === 'GET' ? 'get' : 'post',
      params: {
        AccountSid: this.account.accountSid,
        InstanceSid: channel.serviceSid,
        EventType: eventType,
        ...params,
        Source: origin.kind === 'sdk' ? 'SDK' : 'API',
        ...(origin.kind === 'sdk' ? { ClientIdentity: origin.identity } : {}),
        RetryCount: String(attempt.retryCount),
        WebhookType: 'webhook',
        WebhookSid: webhook.sid,
      },
      idempotencyToken: attempt.idempotencyToken,
      forged: attempt.forged,
      lost: attempt.lost,
    });
  }
}

/** One event for one channel webhook. */
interface ChatEvent {
  readonly channel: ChatChannelRecord;
  readonly webhook: ChatWebhookRecord;
  readonly eventType: 'onMessageSent' | 'onChannelUpdated' | 'onMemberAdded';
  readonly params: Record<string, string>;
  readonly messageSid: string | null;
  readonly origin: Origin;
}

/** One call of an event: its retries keep the idempotency token. */
interface Attempt {
  readonly idempotencyToken: string;
  readonly lost: boolean;
  retryCount: number;
  readonly forged: boolean;
}

/**
 * A media message adds its file as flat `Media*` fields. Twilio's Chat webhook reference
 * (https://www.twilio.com/docs/chat/webhook-events) does not list them; public code reads `MediaSid` from `onMessageSent`
 * (clowdr-app/clowdr-backend app.js), and the other three names follow it and the message resource's `media` object.
 */
function messageSentParams(channel: ChatChannelRecord, message: ChatMessageRecord): Record<string, string> {
  const { media } = message;
  return withoutNulls({
    ChannelSid: channel.sid,
    MessageSid: message.sid,
    Index: String(message.index),
    Body: message.body,
    Attributes: message.attributes,
    From: message.from,
    DateCreated: twilioTimestamp(message.dateCreated),
    MediaSid: media?.sid ?? null,
    MediaContentType: media?.contentType ?? null,
    MediaFilename: media?.filename ?? null,
    MediaSize: media ? String(media.size) : null,
  });
}

function failed(delivery: WebhookDelivery): boolean {
  return delivery.statusCode === null || delivery.statusCode < 200 || delivery.statusCode > 299;
}

function firesWebhooks(origin: Origin): boolean {
  return origin.kind !== 'api' || origin.webhooksEnabled;
}

function subscribed(channel: ChatChannelRecord, eventType: string): ChatWebhookRecord[] {
  return channel.webhooks.filter((webhook) => webhook.filters.includes(eventType));
}

function withoutNulls(params: Record<string, string | null>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (value !== null) result[name] = value;
  return result;
}
