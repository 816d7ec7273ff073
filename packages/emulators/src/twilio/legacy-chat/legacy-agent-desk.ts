import { DEFAULT_AGENT, DEFAULT_AGENT_NAME, type AgentFile } from '../conversations/agent-desk.js';
import { channelAttributes } from './legacy-chat-attributes.js';
import type { ChatService } from './legacy-chat-service.js';
import type { ChatChannelRecord, ChatMessageRecord, ChatTaskRecord, ChatTaskStatus } from './legacy-chat-state.js';
import type { ChatTasks } from './legacy-chat-tasks.js';
import type { MediaStore } from '../mcs/mcs.js';

/** Statuses "end chat" moves to wrapping. */
const OPEN: readonly ChatTaskStatus[] = ['pending', 'accepted'];

/** What Flex agents do to a legacy chat channel, carried out the way Flex carries it out. */
export class ChatAgentDesk {
  constructor(
    private readonly chat: ChatService,
    private readonly tasks: ChatTasks,
    private readonly media: MediaStore,
    private readonly chatServiceSid: string,
  ) {
    // Logging in to Flex makes the agent's chat user, named as the agent (their worker's full name).
    this.chat.user(DEFAULT_AGENT, DEFAULT_AGENT_NAME);
  }

  /** Accepting a pending task makes the agent a member of its channel (Flex adds them: `Source=API`). */
  acceptTask(taskSid: string, agentIdentity = DEFAULT_AGENT): ChatTaskRecord {
    const task = this.tasks.get(taskSid);
    const accepted = this.tasks.move(task, ['pending'], 'accepted');
    this.chat.addMember(this.chat.channel(task.channelSid), agentIdentity, { kind: 'system' });
    return accepted;
  }

  /** The agent finishes wrap-up. */
  completeTask(taskSid: string): ChatTaskRecord {
    return this.tasks.move(this.tasks.get(taskSid), ['accepted', 'wrapping'], 'completed');
  }

  /**
   * A message typed in the Flex UI (Chat SDK: `Source=SDK`, `ClientIdentity`); the agent joins first if
   * needed. An attachment is uploaded to the chat service's MCS first, then sent with its `MediaSid`.
   */
  send(channelSid: string, body: string | undefined, agentIdentity = DEFAULT_AGENT, file?: AgentFile): ChatMessageRecord {
    const channel = this.chat.channel(channelSid);
    this.chat.addMember(channel, agentIdentity, { kind: 'system' });
    const mediaSid = file && this.media.add(this.chatServiceSid, file.contentType, file.data, file.filename ?? null).sid;
    return this.chat.addMessage(channel, { from: agentIdentity, body, mediaSid }, { kind: 'sdk', identity: agentIdentity });
  }

  /**
   * "End chat": Flex sets `status: INACTIVE` in the channel attributes, keeping the other keys, and that
   * update fires `onChannelUpdated`; the channel's open tasks go to wrapping.
   */
  endChat(channelSid: string): ChatChannelRecord {
    const channel = this.chat.channel(channelSid);
    const attributes = JSON.stringify({ ...channelAttributes(channel), status: 'INACTIVE' });
    this.chat.update(channel, { attributes }, { kind: 'system' });
    for (const task of this.tasks.ofChannel(channel.sid).filter((t) => OPEN.includes(t.status))) {
      this.tasks.move(task, OPEN, 'wrapping');
    }
    return channel;
  }
}
