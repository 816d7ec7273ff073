import type { AgentFile } from '../conversations/agent-desk.js';
import { defaultErrorCode, TwilioApiError } from '../http/errors.js';
import type { EmulatorEvents } from '../events.js';
import { ChatAgentDesk } from './legacy-agent-desk.js';
import { ChatService } from './legacy-chat-service.js';
import {
  LegacyChatState,
  type ChatChannelRecord,
  type ChatMessageRecord,
  type ChatTaskRecord,
  type FlexFlowRecord,
} from './legacy-chat-state.js';
import { ChatTasks } from './legacy-chat-tasks.js';
import { ChatWebhooks } from './legacy-chat-webhooks.js';
import { LegacyFlexService } from './legacy-flex-service.js';
import { ChatStudioSendToFlex } from './legacy-studio.js';
import type { MediaStore } from '../mcs/mcs.js';
import type { EmulatedAccount } from '../state.js';
import type { WebhookDelivery, WebhookSender } from '../http/webhooks.js';

/** A channel as the inspection API shows it: everything but the messages, which are listed apart. */
export type ChatChannelSnapshot = Omit<ChatChannelRecord, 'messages' | 'nextMessageIndex'> & { messageCount: number };

/**
 * The legacy Flex custom chat of the emulated account — Flex Flows, Flex Channels, Programmable Chat
 * v2 and its Studio "Send to Flex" — with what agents do to it and what tests inspect. Everything it
 * hands out is a copy; what happens is reported on `events` (`chatMessage`, `chatTask`, `chatChannel`).
 */
export class LegacyChat {
  readonly chat: ChatService;
  readonly flex: LegacyFlexService;
  private readonly state: LegacyChatState;
  private readonly webhooks: ChatWebhooks;
  private readonly desk: ChatAgentDesk;

  constructor(account: EmulatedAccount, sender: WebhookSender, events: EmulatorEvents, media: MediaStore) {
    this.state = new LegacyChatState(account);
    const tasks = new ChatTasks(this.state, events);
    // Studio is reached through a callback: it removes webhooks through the chat service, which fires them.
    this.webhooks = new ChatWebhooks(account, sender, (channel, webhook, message) => studio.run(channel, webhook, message));
    this.chat = new ChatService(this.state, this.webhooks, events, media);
    const studio = new ChatStudioSendToFlex(this.state, this.chat, tasks);
    this.flex = new LegacyFlexService(this.state, this.chat);
    this.desk = new ChatAgentDesk(this.chat, tasks, media, account.chatServiceSid);
  }

  flexFlows(): FlexFlowRecord[] {
    return structuredClone(this.flex.flows());
  }

  channels(): ChatChannelSnapshot[] {
    return this.chat.list().map(channelSnapshot);
  }

  messages(channelSid: string): ChatMessageRecord[] {
    return structuredClone(this.chat.channel(channelSid).messages);
  }

  tasks(): ChatTaskRecord[] {
    return structuredClone([...this.state.tasks.values()]);
  }

  acceptTask(taskSid: string, agentIdentity?: string): ChatTaskRecord {
    return structuredClone(this.desk.acceptTask(taskSid, agentIdentity));
  }

  completeTask(taskSid: string): ChatTaskRecord {
    return structuredClone(this.desk.completeTask(taskSid));
  }

  agentSend(channelSid: string, body: string, agentIdentity?: string): ChatMessageRecord {
    return structuredClone(this.desk.send(channelSid, body, agentIdentity));
  }

  /** The agent attaches a file in the Flex UI (uploaded to the chat service's MCS), with an optional message text. */
  agentSendFile(channelSid: string, file: AgentFile, body?: string, agentIdentity?: string): ChatMessageRecord {
    return structuredClone(this.desk.send(channelSid, body, agentIdentity, file));
  }

  endChat(channelSid: string): ChatChannelSnapshot {
    return channelSnapshot(this.desk.endChat(channelSid));
  }

  /**
   * The next `count` webhook events (an `onMessageSent`, an `onChannelUpdated`) are lost for good: every
   * call, the retries of `Configuration.RetryCount` included, fails on the way. (`TwilioEmulator.loseNextWebhooks`
   * loses single calls, which a webhook with retries then sends again.)
   */
  loseNextWebhookEvents(count = 1): void {
    this.webhooks.loseNextEvents(count);
  }

  /**
   * Sends an agent's `onMessageSent` for a made-up message, signed with the wrong key, to the channel's
   * webhooks: a receiver that checks signatures must refuse it (403).
   */
  async sendForgedWebhook(channelSid: string, forged: { body?: string; from?: string } = {}): Promise<WebhookDelivery[]> {
    const channel = this.chat.channel(channelSid);
    const deliveries = this.webhooks.forgedMessageSent(channel, {
      body: forged.body ?? 'forged message',
      from: forged.from ?? 'agent_mallory',
    });
    if (deliveries.length === 0) {
      throw new TwilioApiError(409, defaultErrorCode(409), `Channel ${channel.sid} has no onMessageSent webhook`);
    }
    return structuredClone(await Promise.all(deliveries));
  }
}

function channelSnapshot(channel: ChatChannelRecord): ChatChannelSnapshot {
  const { messages, nextMessageIndex: _nextMessageIndex, ...rest } = channel;
  return { ...structuredClone(rest), messageCount: messages.length };
}
