import type { ConversationRecord } from '../state.js';

/** A conversation as the inspection API shows it: everything but the messages, which are listed apart. */
export type ConversationSnapshot = Omit<ConversationRecord, 'messages' | 'nextMessageIndex'> & { messageCount: number };

export function conversationSnapshot(conversation: ConversationRecord): ConversationSnapshot {
  const { messages, nextMessageIndex: _nextMessageIndex, ...rest } = conversation;
  return { ...structuredClone(rest), messageCount: messages.length };
}
