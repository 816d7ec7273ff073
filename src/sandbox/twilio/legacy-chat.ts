import { ChatAgentDesk } from './legacy-agent-desk.js';
import { ChatService } from './legacy-chat-service.js';
import {
  LegacyChatState,
  type ChatChannelRecord,
  type ChatMessageRecord,
  type ChatTaskRecord,
  type FlexFlowRecord,
} from './legacy-chat-state.js';
import { ChatWebhooks } from './legacy-chat-webhooks.js';
import { LegacyFlexService } from './legacy-flex-service.js';
import { ChatStudioSendToFlex } from './legacy-studio.js';
import type { EmulatedAccount } from './state.js';
import type { WebhookSender } from './webhooks.js';

/** A channel as the inspection API shows it: everything but the messages, which are listed apart. */
export type ChatChannelSnapshot = Omit<ChatChannelRecord, 'messages' | 'nextMessageIndex'> & { messageCount: number };

/**
 * The legacy Flex custom chat of the emulated account — Flex Flows, Flex Channels, Programmable Chat
 * v2 and its Studio "Send to Flex" — with what agents do to it and what tests inspect. Everything it
 * hands out is a copy.
 */
export class LegacyChat {
  readonly chat: ChatService;
  readonly flex: LegacyFlexService;
  private readonly state: LegacyChatState;
  private readonly desk: ChatAgentDesk;

  constructor(account: EmulatedAccount, sender: WebhookSender) {
    this.state = new LegacyChatState(account);
    // Studio is reached through a callback: it removes webhooks through the chat service, which fires them.
    const webhooks = new ChatWebhooks(account, sender, (channel, webhook, message) => studio.run(channel, webhook, message));
    this.chat = new ChatService(this.state, webhooks);
    const studio = new ChatStudioSendToFlex(this.state, this.chat);
    this.flex = new LegacyFlexService(this.state, this.chat);
    this.desk = new ChatAgentDesk(this.state, this.chat);
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

  agentSend(channelSid: string, body: string, agentIdentity?: string): ChatMessageRecord {
    return structuredClone(this.desk.send(channelSid, body, agentIdentity));
  }

  endChat(channelSid: string): ChatChannelSnapshot {
    return channelSnapshot(this.desk.endChat(channelSid));
  }
}

function channelSnapshot(channel: ChatChannelRecord): ChatChannelSnapshot {
  const { messages, nextMessageIndex: _nextMessageIndex, ...rest } = channel;
  return { ...structuredClone(rest), messageCount: messages.length };
}
