import type twilio from 'twilio';
import type { MediaFile } from '../bridge/messages.js';
import { DeliveryError } from '../delivery/errors.js';
import type { Conversation } from '../store/store.js';
import {
  ChatClosedError,
  MalformedWebhookError,
  type FlexBackend,
  type FlexEvent,
  type FlexMedia,
  type OpenChatRequest,
  type PostedMessage,
  type WebhookParams,
} from './backend.js';
import { bridgeAttributes, bridgeIdOf } from './bridge-message-id.js';
import type { McsClient } from './mcs-client.js';
import { mediaOf } from './webhook-media.js';
import { field, optionalField } from './webhook-params.js';

export interface ConversationsBackendOptions {
  readonly client: twilio.Twilio;
  readonly mcs: McsClient;
  readonly publicBaseUrl: string;
  readonly workspaceSid?: string;
  readonly workflowSid?: string;
  readonly taskChannel: string;
  readonly studioFlowSid?: string;
}

export const CONVERSATIONS_WEBHOOK_PATH = '/flex/conversations/events';
const CLOSED_CONVERSATION = 50377;
const RECENT_MESSAGES_CHECKED = 20;

/** Flex Conversations: Conversations v1 for the chat, Flex Interactions v1 (or Studio) for routing. */
export class ConversationsBackend implements FlexBackend {
  readonly mode = 'conversations' as const;
  readonly webhookPaths = [CONVERSATIONS_WEBHOOK_PATH];

  /** The account's default Conversations service: Flex chats live there, and so does their media. */
  private chatServiceSid: Promise<string> | undefined;

  constructor(private readonly opts: ConversationsBackendOptions) {}

  private get api() {
    return this.opts.client.conversations.v1;
  }

  async openChat(
    req: OpenChatRequest,
    onCreated: (flexSid: string) => Promise<void>,
    beforeRouting: () => Promise<void>,
  ): Promise<string> {
    const conversation = await this.api.conversations.create({
      uniqueName: req.openingKey,
      friendlyName: req.handle,
      attributes: JSON.stringify({ network: req.network, handle: req.handle }),
    });
    const sid = conversation.sid;
    let routing = false;
    try {
      await onCreated(sid);
      const chat = this.api.conversations(sid);
      await chat.participants.create({ identity: req.identity });
      await chat.webhooks.create({
        target: 'webhook',
        'configuration.url': `${this.opts.publicBaseUrl}${CONVERSATIONS_WEBHOOK_PATH}`,
        'configuration.method': 'post',
        'configuration.filters': ['onMessageAdded', 'onConversationStateUpdated'],
      });
      if (this.opts.studioFlowSid) {
        await chat.webhooks.create({
          target: 'studio',
          'configuration.flowSid': this.opts.studioFlowSid,
          'configuration.filters': ['onMessageAdded'],
        });
      }
      // With Studio the first message routes the chat; otherwise the Interaction does.
      await beforeRouting();
      routing = true;
      await this.createMessage(sid, req.firstMessage);
      if (!this.opts.studioFlowSid) await this.createInteraction(sid, req);
      return sid;
    } catch (err) {
      // A routing step that may have been applied could have put the chat in front of an agent:
      // keep it for completeRouting. Anything else is removed.
      if (!(routing && err instanceof DeliveryError && err.ambiguous)) await this.deleteConversation(sid).catch(() => undefined);
      throw err;
    }
  }

  async completeRouting(flexSid: string, req: OpenChatRequest): Promise<void> {
    if (!(await this.alreadyPosted(flexSid, req.firstMessage.bridgeMessageId))) await this.createMessage(flexSid, req.firstMessage);
    if (this.opts.studioFlowSid || (await this.hasTask(flexSid))) return;
    await this.createInteraction(flexSid, req);
  }

  private async hasTask(flexSid: string): Promise<boolean> {
    const tasks = await this.opts.client.taskrouter.v1
      .workspaces(this.opts.workspaceSid as string)
      .tasks.list({ evaluateTaskAttributes: `conversationSid == "${flexSid}"`, limit: 1 });
    return tasks.length > 0;
  }

  private createInteraction(sid: string, req: OpenChatRequest) {
    return this.opts.client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: sid } },
      routing: {
        properties: {
          workspace_sid: this.opts.workspaceSid,
          ...(this.opts.workflowSid ? { workflow_sid: this.opts.workflowSid } : {}),
          task_channel_unique_name: this.opts.taskChannel,
          attributes: { from: req.handle, customerName: req.displayName, channelType: req.network },
        },
      },
    });
  }

  async postMessage(flexSid: string, msg: PostedMessage, opts: { checkFirst: boolean }): Promise<void> {
    try {
      if (opts.checkFirst && (await this.alreadyPosted(flexSid, msg.bridgeMessageId))) return;
      await this.createMessage(flexSid, msg);
    } catch (err) {
      if (err instanceof DeliveryError && (err.code === CLOSED_CONVERSATION || err.status === 404)) {
        throw new ChatClosedError(flexSid);
      }
      throw err;
    }
  }

  async uploadMedia(file: MediaFile): Promise<string> {
    return this.opts.mcs.upload(await this.serviceSid(), file);
  }

  async fetchMedia(media: FlexMedia): Promise<MediaFile> {
    return this.opts.mcs.download(await this.serviceSid(), media.sid);
  }

  private serviceSid(): Promise<string> {
    if (!this.chatServiceSid) {
      const lookup = this.api.configuration().fetch().then((c) => c.defaultChatServiceSid);
      // A failed lookup is asked again next time, not remembered.
      lookup.catch(() => (this.chatServiceSid = undefined));
      this.chatServiceSid = lookup;
    }
    return this.chatServiceSid;
  }

  private createMessage(sid: string, msg: PostedMessage) {
    return this.api.conversations(sid).messages.create({
      author: msg.author,
      // A file may come without a caption; Twilio wants a Body or a MediaSid.
      ...(msg.text !== '' || !msg.mediaSid ? { body: msg.text } : {}),
      ...(msg.mediaSid ? { mediaSid: msg.mediaSid } : {}),
      attributes: bridgeAttributes(msg.bridgeMessageId),
      // Studio only sees REST-created messages with webhooks enabled; otherwise leave them off to avoid echoes.
      ...(this.opts.studioFlowSid ? { xTwilioWebhookEnabled: 'true' as const } : {}),
    });
  }

  private async alreadyPosted(sid: string, bridgeMessageId: string): Promise<boolean> {
    const recent = await this.api.conversations(sid).messages.list({ order: 'desc', limit: RECENT_MESSAGES_CHECKED });
    return recent.some((m) => bridgeIdOf(m.attributes) === bridgeMessageId);
  }

  async discardChat(conversation: Conversation, openingKey: string): Promise<void> {
    // Conversations can be addressed by unique name, so a chat whose sid was never stored is found too.
    await this.deleteConversation(conversation.flexSid ?? openingKey);
  }

  private async deleteConversation(sid: string): Promise<void> {
    try {
      await this.api.conversations(sid).remove();
    } catch (err) {
      if (!(err instanceof DeliveryError && err.status === 404)) throw err;
    }
  }

  parseWebhook(_path: string, params: WebhookParams): FlexEvent {
    const eventType = field(params, 'EventType');
    switch (eventType) {
      case 'onMessageAdded':
        return {
          type: 'message',
          flexSid: field(params, 'ConversationSid'),
          messageSid: field(params, 'MessageSid'),
          author: field(params, 'Author'),
          body: optionalField(params, 'Body') ?? '',
          media: mediaOf(params),
          index: indexOf(params),
          retryCount: Number(optionalField(params, 'RetryCount') ?? 0) || 0,
        };
      case 'onConversationStateUpdated': {
        const flexSid = field(params, 'ConversationSid');
        const stateTo = field(params, 'StateTo');
        return stateTo === 'closed' ? { type: 'ended', flexSid } : { type: 'ignored', reason: `state ${stateTo}` };
      }
      default:
        return { type: 'ignored', reason: `event ${eventType}` };
    }
  }
}

function indexOf(params: WebhookParams): number | undefined {
  const raw = optionalField(params, 'Index');
  if (raw === undefined) return undefined;
  const index = Number(raw);
  if (!Number.isInteger(index) || index < 0) throw new MalformedWebhookError(`Index is not a non-negative integer`);
  return index;
}
