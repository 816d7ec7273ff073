import type { ConversationService } from './conversations.js';
import type { InteractionService } from '../interactions/interactions.js';
import type { MediaStore } from '../mcs/mcs.js';
import type { ConversationRecord, MessageRecord, TaskRecord } from '../state.js';

export const DEFAULT_AGENT = 'agent_alice';
/** The default agent's name in Flex: her Conversations User's `friendly_name`. */
export const DEFAULT_AGENT_NAME = 'Alice';

/** A file an agent attaches in the Flex UI. */
export interface AgentFile {
  data: Buffer;
  contentType: string;
  filename?: string;
}

/** What Flex agents do in the Flex UI, carried out the way Flex carries it out. */
export class AgentDesk {
  constructor(
    private readonly conversations: ConversationService,
    private readonly interactions: InteractionService,
    private readonly media: MediaStore,
    private readonly chatServiceSid: string,
  ) {
    this.logIn(DEFAULT_AGENT, DEFAULT_AGENT_NAME);
  }

  /** An agent logs into Flex, which creates (or renames) their Conversations User with their name. */
  logIn(agentIdentity: string, friendlyName: string): void {
    this.conversations.nameUser(agentIdentity, friendlyName);
  }

  acceptTask(taskSid: string, agentIdentity = DEFAULT_AGENT): TaskRecord {
    return this.interactions.acceptTask(taskSid, agentIdentity);
  }

  completeTask(taskSid: string): TaskRecord {
    return this.interactions.completeTask(taskSid);
  }

  /**
   * A message typed in the Flex UI (Conversations SDK: `Source=SDK`). Defaults to the agent who accepted
   * the conversation's task; an agent who is not a participant yet joins first, as accepting would.
   * `attributes` are what a Flex UI plugin passes the SDK's `sendMessage` (JSON text), e.g. a `replyTo`.
   */
  send(conversationSid: string, body: string | undefined, agentIdentity?: string, file?: AgentFile, attributes?: string): MessageRecord {
    const conversation = this.conversations.get(conversationSid);
    const agent = agentIdentity ?? this.interactions.acceptedTaskOf(conversation.sid)?.agentIdentity ?? DEFAULT_AGENT;
    if (!conversation.participants.some((p) => p.identity === agent)) {
      this.conversations.addParticipant(conversation.sid, { identity: agent }, { kind: 'system' });
    }
    // The Flex UI uploads an attachment to MCS first, then sends the message with its sid.
    const mediaSid = file && this.media.add(this.chatServiceSid, file.contentType, file.data, file.filename ?? null).sid;
    return this.conversations.addMessage(conversation.sid, { author: agent, body, mediaSid, attributes }, { kind: 'sdk', identity: agent });
  }

  /**
   * "End chat": Flex closes the interaction channel, which closes the conversation (`Reason=API`) and
   * puts the tasks into wrapping. A conversation without an interaction is just closed.
   */
  endChat(conversationSid: string): ConversationRecord {
    const conversation = this.conversations.get(conversationSid);
    const channel = this.interactions.activeChannelOf(conversation.sid);
    if (channel) {
      this.interactions.updateChannel(channel.interactionSid, channel.sid, { status: 'closed' });
      return conversation;
    }
    return this.conversations.setState(conversation.sid, 'closed', 'API', { kind: 'flex' });
  }

  /** What the conversation's inactive timer does: the chat goes idle, it does not end. */
  setInactive(conversationSid: string): ConversationRecord {
    return this.conversations.setState(conversationSid, 'inactive', 'TIMER', { kind: 'system' });
  }
}
