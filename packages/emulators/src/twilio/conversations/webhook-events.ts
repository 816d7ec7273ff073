import { randomUUID } from 'node:crypto';
import { newSid } from '../sids.js';
import type {
  ConversationRecord,
  ConversationState,
  ConversationWebhookRecord,
  EmulatedAccount,
  MessageRecord,
  ParticipantRecord,
  StateChangeReason,
} from '../state.js';
import type { WebhookDelivery, WebhookSender } from '../http/webhooks.js';
import {
  conversationUpdatedParams,
  messageAddedParams,
  participantAddedParams,
  stateUpdatedParams,
  type EventParams,
} from './webhook-payloads.js';

/** Who carried out an action: decides whether post-event webhooks fire and what `Source` says. */
export type Origin =
  /** A REST call; fires webhooks only with the header `X-Twilio-Webhook-Enabled: true`. */
  | { kind: 'api'; webhooksEnabled: boolean }
  /** A Flex agent through the Conversations SDK; always fires, with `ClientIdentity`. */
  | { kind: 'sdk'; identity: string }
  /** Twilio itself (timers, reactivation, Flex adding an agent); always fires. */
  | { kind: 'system' }
  /** Flex's back end closing a chat (an agent's End chat): fires unless the emulator is set to `silentFlexClose`. */
  | { kind: 'flex' };

/** What a `studio` conversation webhook does when a message is added (see studio.ts). */
export type StudioTrigger = (
  conversation: ConversationRecord,
  webhook: ConversationWebhookRecord,
  message: MessageRecord,
) => void;

/**
 * Turns conversation events into calls to the conversation-scoped webhooks subscribed to them. Like
 * Twilio, it does not wait for the receivers: the action is done whatever they answer.
 */
export class ConversationWebhooks {
  constructor(
    private readonly account: EmulatedAccount,
    private readonly sender: WebhookSender,
    private readonly onStudio: StudioTrigger,
    /** See TwilioEmulatorOptions.silentFlexClose. */
    private readonly silentFlexClose = false,
  ) {}

  messageAdded(conversation: ConversationRecord, message: MessageRecord, origin: Origin): void {
    if (!this.fires(origin)) return;
    const params = messageAddedParams(this.account, conversation, message);
    // subscribed() returns a copy, so the Studio flow may remove its own webhook while we loop.
    for (const webhook of subscribed(conversation, 'onMessageAdded')) {
      if (webhook.target === 'studio') this.onStudio(conversation, webhook, message);
      if (webhook.target === 'webhook') void this.send(webhook, 'onMessageAdded', params, message.sid, origin);
    }
  }

  stateUpdated(
    conversation: ConversationRecord,
    from: ConversationState,
    reason: StateChangeReason,
    origin: Origin,
  ): void {
    if (!this.fires(origin)) return;
    const params = stateUpdatedParams(this.account, conversation, from, reason);
    this.sendToWebhooks(conversation, 'onConversationStateUpdated', params, origin);
  }

  participantAdded(conversation: ConversationRecord, participant: ParticipantRecord, origin: Origin): void {
    if (!this.fires(origin)) return;
    const params = participantAddedParams(this.account, conversation, participant);
    this.sendToWebhooks(conversation, 'onParticipantAdded', params, origin);
  }

  conversationUpdated(conversation: ConversationRecord, origin: Origin): void {
    if (!this.fires(origin)) return;
    const params = conversationUpdatedParams(this.account, conversation);
    this.sendToWebhooks(conversation, 'onConversationUpdated', params, origin);
  }

  /** An `onMessageAdded` for a message that does not exist, signed with the wrong key; resolves when sent. */
  forgedMessageAdded(
    conversation: ConversationRecord,
    forged: { author: string; body: string },
  ): Promise<WebhookDelivery>[] {
    const message: MessageRecord = {
      sid: newSid('IM'),
      conversationSid: conversation.sid,
      index: conversation.nextMessageIndex,
      author: forged.author,
      body: forged.body,
      attributes: '{}',
      media: null,
      participantSid: null,
      dateCreated: new Date(),
      dateUpdated: new Date(),
    };
    const params = messageAddedParams(this.account, conversation, message);
    const origin: Origin = { kind: 'sdk', identity: forged.author };
    return subscribed(conversation, 'onMessageAdded')
      .filter((webhook) => webhook.target === 'webhook')
      .map((webhook) => this.send(webhook, 'onMessageAdded', params, message.sid, origin, true));
  }

  private fires(origin: Origin): boolean {
    if (origin.kind === 'flex') return !this.silentFlexClose;
    return origin.kind !== 'api' || origin.webhooksEnabled;
  }

  private sendToWebhooks(conversation: ConversationRecord, eventType: string, params: EventParams, origin: Origin) {
    for (const webhook of subscribed(conversation, eventType)) {
      if (webhook.target === 'webhook') void this.send(webhook, eventType, params, null, origin);
    }
  }

  private send(
    webhook: ConversationWebhookRecord,
    eventType: string,
    eventParams: EventParams,
    messageSid: string | null,
    origin: Origin,
    forged = false,
  ): Promise<WebhookDelivery> {
    return this.sender.send({
      eventType,
      conversationSid: webhook.conversationSid,
      messageSid,
      webhookSid: webhook.sid,
      url: webhook.url ?? '',
      method: webhook.method,
      params: {
        AccountSid: this.account.accountSid,
        EventType: eventType,
        ...eventParams,
        Source: origin.kind === 'sdk' ? 'SDK' : 'API',
        ...(origin.kind === 'sdk' ? { ClientIdentity: origin.identity } : {}),
        // No RetryCount: Conversations does not retry a webhook, and a scoped webhook has no retry
        // setting (https://www.twilio.com/docs/conversations/api/conversation-scoped-webhook-resource),
        // unlike Chat v2's `Configuration.RetryCount`.
        WebhookSid: webhook.sid,
      },
      idempotencyToken: randomUUID(),
      forged,
    });
  }
}


function subscribed(conversation: ConversationRecord, eventType: string): ConversationWebhookRecord[] {
  return conversation.webhooks.filter((webhook) => webhook.filters.includes(eventType));
}
