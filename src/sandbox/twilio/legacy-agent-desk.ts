import { DEFAULT_AGENT } from './agent-desk.js';
import { channelAttributes } from './legacy-chat-attributes.js';
import type { ChatService } from './legacy-chat-service.js';
import type { ChatChannelRecord, ChatMessageRecord, LegacyChatState } from './legacy-chat-state.js';

/** What Flex agents do to a legacy chat channel, carried out the way Flex carries it out. */
export class ChatAgentDesk {
  constructor(
    private readonly state: LegacyChatState,
    private readonly chat: ChatService,
  ) {}

  /** A message typed in the Flex UI (Chat SDK: `Source=SDK`, `ClientIdentity`); the agent joins first if needed. */
  send(channelSid: string, body: string, agentIdentity = DEFAULT_AGENT): ChatMessageRecord {
    const channel = this.chat.channel(channelSid);
    this.chat.addMember(channel, agentIdentity);
    return this.chat.addMessage(channel, { from: agentIdentity, body }, { kind: 'sdk', identity: agentIdentity });
  }

  /**
   * "End chat": Flex sets `status: INACTIVE` in the channel attributes, keeping the other keys, and that
   * update fires `onChannelUpdated`; the channel's tasks go to wrapping.
   */
  endChat(channelSid: string): ChatChannelRecord {
    const channel = this.chat.channel(channelSid);
    const attributes = JSON.stringify({ ...channelAttributes(channel), status: 'INACTIVE' });
    this.chat.update(channel, { attributes }, { kind: 'system' });
    for (const task of this.state.tasks.values()) {
      if (task.channelSid === channel.sid) task.status = 'wrapping';
    }
    return channel;
  }
}
