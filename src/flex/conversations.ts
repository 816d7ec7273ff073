import type twilio from 'twilio';
import type { FlexMedia, MediaFile } from '../core/messages.js';
import { DeliveryError } from '../core/delivery-error.js';
import {
  RoutingFailedError,
  type FlexBackend,
  type FlexEvent,
  type OpenChatRequest,
  type OpenedChat,
  type PostedMessage,
  type PostedRef,
  type RecentMessage,
  type RoutingEnd,
  type SurveyResult,
  type WebhookParams,
} from './backend.js';
import { contextAttributes, participantAttributes, type ExtraAttributes } from './chat-attributes.js';
import { InteractionRouting } from './interaction-routing.js';
import { bridgeAttributes, bridgeIdOf } from './bridge-message-id.js';
import { closedOr } from './closed-conversation.js';
import { createConversation, removeIfMadeFor, type ConversationTimers } from './conversation-names.js';
import type { McsClient } from './mcs-client.js';
import { postConversationMessage } from './message-post.js';
import { flexMediaOf, type RestMedia } from './rest-media.js';
import { SurveyTasks } from './survey-tasks.js';
import { mediaOf } from './webhook-media.js';
import { replyToOf } from './reply-attribute.js';
import { field, indexOf, optionalField } from './webhook-params.js';

export interface ConversationsBackendOptions {
  readonly client: twilio.Twilio;
  readonly mcs: McsClient;
  readonly publicBaseUrl: string;
  readonly workspaceSid?: string;
  readonly workflowSid?: string;
  readonly taskChannel: string;
  readonly studioFlowSid?: string;
  /** How routing is confirmed (see InteractionRouting). */
  readonly routing: { readonly confirmMs: number; readonly attempts: number };
  /** `Timers.Inactive` / `Timers.Closed` (ISO-8601 durations) every new conversation gets; absent: none. */
  readonly timers: { readonly inactive?: string; readonly closed?: string };
  /** The operator's constant attributes for each chat's task and conversation (FLEX_TASK_ATTRIBUTES). */
  readonly extraAttributes: ExtraAttributes;
}

export const CONVERSATIONS_WEBHOOK_PATH = '/flex/conversations/events';
const RECENT_MESSAGES_CHECKED = 20;
const RECENT_MESSAGES_READ_BACK = 50;
/** Twilio's largest page of a list (`PageSize`); twilio-node would ask for the whole `limit` in one. */
const MAX_PAGE_SIZE = 100;

/** Flex Conversations: Conversations v1 for the chat, Flex Interactions v1 (or Studio) for routing. */
export class ConversationsBackend implements FlexBackend {
  readonly mode = 'conversations' as const;
  readonly webhookPaths = [CONVERSATIONS_WEBHOOK_PATH];

  /** The account's default Conversations service: Flex chats live there, and so does their media. */
  private chatServiceSid: Promise<string> | undefined;

  private readonly routing: InteractionRouting;
  /** Survey ratings become tasks, so only with a workspace. */
  readonly recordSurvey?: (result: SurveyResult) => Promise<void>;

  constructor(private readonly opts: ConversationsBackendOptions) {
    this.routing = new InteractionRouting({
      client: opts.client,
      workspaceSid: opts.workspaceSid as string,
      workflowSid: opts.workflowSid,
      taskChannel: opts.taskChannel,
      extraAttributes: opts.extraAttributes,
      ...opts.routing,
    });
    const { workspaceSid, workflowSid } = opts;
    if (workspaceSid) {
      const surveys = new SurveyTasks({ client: opts.client, workspaceSid, workflowSid, taskChannel: opts.taskChannel, chatAttribute: 'conversationSid' });
      this.recordSurvey = (result) => surveys.record(result);
    }
  }

  private get api() {
    return this.opts.client.conversations.v1;
  }

  async openChat(
    req: OpenChatRequest,
    onCreated: (flexSid: string) => Promise<void>,
    beforeRouting: () => Promise<void>,
    onFirstPosted: (index: number) => Promise<void> = async () => undefined,
  ): Promise<OpenedChat> {
    const { sid, adopted, namesTaken } = await createConversation(this.api, {
      openingKey: req.openingKey,
      friendlyName: req.handle,
      attributes: contextAttributes(req, this.opts.extraAttributes),
      timers: this.timers(),
    });
    let routing = false;
    try {
      await onCreated(sid);
      const chat = this.api.conversations(sid);
      // A conversation an earlier attempt made may have its participant and webhooks already.
      await chat.participants.create({ identity: req.identity, attributes: participantAttributes(req) }).catch((err: unknown) => {
        if (!(adopted && err instanceof DeliveryError && err.status === 409)) throw err;
      });
      const existing = adopted ? await chat.webhooks.list() : [];
      if (!existing.some((w) => w.target === 'webhook')) {
        await chat.webhooks.create({
          target: 'webhook',
          'configuration.url': `${this.opts.publicBaseUrl}${CONVERSATIONS_WEBHOOK_PATH}`,
          'configuration.method': 'post',
          // Post-event webhooks: https://www.twilio.com/docs/conversations/conversations-webhooks
          'configuration.filters': ['onMessageAdded', 'onConversationStateUpdated', 'onConversationUpdated', 'onParticipantAdded'],
        });
      }
      if (this.opts.studioFlowSid && !existing.some((w) => w.target === 'studio')) {
        await chat.webhooks.create({
          target: 'studio',
          'configuration.flowSid': this.opts.studioFlowSid,
          'configuration.filters': ['onMessageAdded'],
        });
      }
      // With Studio the first message routes the chat; otherwise the Interaction does.
      await beforeRouting();
      routing = true;
      const first = await this.createMessage(sid, req.firstMessage);
      await onFirstPosted(first.index);
      if (!this.opts.studioFlowSid) await this.routing.route(sid, req);
      return { flexSid: sid, firstIndex: first.index, firstSid: first.sid, namesTaken };
    } catch (err) {
      // A routing step that may have been applied could have put the chat in front of an agent:
      // keep it for completeRouting. A chat routing gave up on is closed, and kept as it was. Anything else is removed.
      const keep = routing && err instanceof DeliveryError && (err.ambiguous || err instanceof RoutingFailedError);
      if (!keep) await removeIfMadeFor(this.api, sid, req.openingKey).catch(() => undefined);
      throw err;
    }
  }

  async completeRouting(flexSid: string, req: OpenChatRequest): Promise<PostedRef> {
    try {
      const first =
        (await this.earlierCopy(flexSid, req.firstMessage.bridgeMessageId)) ?? (await this.createMessage(flexSid, req.firstMessage));
      // The interrupted attempt's interaction may still be setting up: wait for its task before routing again.
      if (!this.opts.studioFlowSid && !(await this.routing.awaitTask(flexSid))) await this.routing.route(flexSid, req);
      return { index: first.index, sid: first.sid };
    } catch (err) {
      throw await closedOr(this.api, flexSid, err);
    }
  }

  /** Close timers make sure no conversation stays open for ever (https://www.twilio.com/docs/flex/developer/conversations/best-practices). */
  private timers(): ConversationTimers {
    const { inactive, closed } = this.opts.timers;
    if (inactive === undefined && closed === undefined) return {};
    // Timers need State on create: https://www.twilio.com/docs/api/errors/50382
    return { state: 'active' as const, ...(inactive ? { 'timers.inactive': inactive } : {}), ...(closed ? { 'timers.closed': closed } : {}) };
  }

  /** With Studio a chat may wait in the flow before it has a task; otherwise an open chat always has one. */
  async routingEnded(flexSid: string): Promise<RoutingEnd | undefined> {
    // A Studio flow without a configured workspace: the bridge does not know where the tasks are.
    if (!this.opts.workspaceSid) return undefined;
    return this.routing.routingEnded(flexSid, !this.opts.studioFlowSid);
  }

  closeChat(flexSid: string, end: RoutingEnd): Promise<void> {
    return this.routing.close(flexSid, end.interaction && { sid: end.interaction.sid, channelSid: end.interaction.channelSid });
  }

  /**
   * The customer ended the chat: closed through the interaction channel of its task, so the agent's task
   * goes to wrap-up (https://www.twilio.com/docs/flex/developer/conversations/interactions-api/interaction-channels);
   * a chat with no task yet (or no known workspace) is closed as a conversation.
   */
  async endChat(flexSid: string): Promise<void> {
    const interaction = this.opts.workspaceSid ? await this.routing.interactionOf(flexSid) : undefined;
    await this.routing.close(flexSid, interaction);
  }

  async postMessage(flexSid: string, msg: PostedMessage, opts: { checkFirst: boolean }): Promise<PostedRef> {
    try {
      const copy = opts.checkFirst ? await this.earlierCopy(flexSid, msg.bridgeMessageId) : undefined;
      const { index, sid } = copy ?? (await this.createMessage(flexSid, msg));
      return { index, sid };
    } catch (err) {
      throw await closedOr(this.api, flexSid, err);
    }
  }

  async recentMessages(flexSid: string, limit = RECENT_MESSAGES_READ_BACK): Promise<RecentMessage[]> {
    const recent = await this.api.conversations(flexSid).messages.list({ order: 'desc', limit, pageSize: Math.min(limit, MAX_PAGE_SIZE) });
    return recent.reverse().map((m) => ({
      type: 'message',
      flexSid,
      messageSid: m.sid,
      author: m.author,
      body: m.body ?? '',
      media: ((m.media ?? []) as RestMedia[]).map(flexMediaOf),
      index: m.index,
      retryCount: 0,
      ...withReplyTo(m.attributes),
      createdAt: m.dateCreated.getTime(),
    }));
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

  private createMessage(sid: string, msg: PostedMessage): Promise<PostedRef> {
    return postConversationMessage(
      this.opts.client,
      sid,
      {
        Author: msg.author,
        // A file may come without a caption; Twilio wants a Body or a MediaSid.
        ...(msg.text !== '' || !msg.mediaSid ? { Body: msg.text } : {}),
        Attributes: bridgeAttributes(msg.bridgeMessageId),
        ...(msg.mediaSid ? { MediaSid: msg.mediaSid } : {}),
      },
      // Studio only sees REST-created messages with webhooks enabled; otherwise leave them off to avoid echoes.
      Boolean(this.opts.studioFlowSid),
    );
  }

  private async earlierCopy(sid: string, bridgeMessageId: string): Promise<PostedRef | undefined> {
    const recent = await this.api.conversations(sid).messages.list({ order: 'desc', limit: RECENT_MESSAGES_CHECKED });
    return recent.find((m) => bridgeIdOf(m.attributes) === bridgeMessageId);
  }

  /**
   * The agent's name as the Flex UI shows it: the Conversations User's `friendly_name`
   * (https://www.twilio.com/docs/conversations/api/user-resource; fetched by identity).
   */
  async participantName(identity: string): Promise<string | undefined> {
    const user = await this.api.users(identity).fetch();
    return user.friendlyName?.trim() || undefined;
  }

  async discardChat(flexSid: string | null, openingKey: string): Promise<void> {
    // Conversations can be addressed by unique name, so a chat whose sid was never stored is found too.
    await removeIfMadeFor(this.api, flexSid ?? openingKey, openingKey);
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
          // Conversations does not retry a webhook and sends no RetryCount: unlike Chat v2's channel
          // webhooks (`Configuration.RetryCount`), a scoped webhook has no retry setting
          // (https://www.twilio.com/docs/conversations/api/conversation-scoped-webhook-resource).
          retryCount: 0,
          ...withReplyTo(optionalField(params, 'Attributes')),
        };
      case 'onConversationStateUpdated':
        return stateChange(field(params, 'ConversationSid'), field(params, 'StateTo'));
      case 'onConversationUpdated': {
        // Any change of the conversation; its `State` is the one after it.
        const state = optionalField(params, 'State');
        return state ? stateChange(field(params, 'ConversationSid'), state) : { type: 'ignored', reason: 'conversation updated' };
      }
      case 'onParticipantAdded':
        return participantAdded(params);
      default:
        return { type: 'ignored', reason: `event ${eventType}` };
    }
  }
}

function withReplyTo(attributes: string | null | undefined): { replyTo?: string } {
  const replyTo = replyToOf(attributes);
  return replyTo ? { replyTo } : {};
}

/** Only `closed` ends a chat: an `inactive` one comes back when the customer writes again. */
function stateChange(flexSid: string, state: string): FlexEvent {
  return state === 'closed' ? { type: 'ended', flexSid } : { type: 'ignored', reason: `state ${state}` };
}

/**
 * `onParticipantAdded` (https://www.twilio.com/docs/conversations/conversations-webhooks): a chat
 * participant has an `Identity`; one reached over SMS or WhatsApp has `MessagingBinding.*` instead.
 */
function participantAdded(params: WebhookParams): FlexEvent {
  const flexSid = field(params, 'ConversationSid');
  const identity = optionalField(params, 'Identity');
  if (!identity || Object.keys(params).some((name) => name.startsWith('MessagingBinding.'))) {
    return { type: 'ignored', reason: 'participant without a chat identity' };
  }
  return { type: 'participant-joined', flexSid, identity };
}
