import type { TwilioEmulator } from '@flex-bridge/emulators';
import type { NewFile } from './files.js';

/** What the agent does in Flex. The Twilio emulator carries it out as Flex does, webhooks included. */
export interface AgentActions {
  accept(taskSid: string): void;
  /** With `replyTo` (a customer message's sid), as a Flex UI plugin's "Reply" sends it: in the message's attributes. */
  send(chatSid: string, text: string, replyTo?: string): void;
  /** Attaches a file in the Flex UI: Flex uploads it to MCS and sends a message with it. */
  sendFile(chatSid: string, file: NewFile): void;
  /** Ends the chat: Flex closes it and Twilio sends the bridge the signed webhook that says so. */
  end(chatSid: string): void;
  /** Finishes wrap-up after the chat ended. */
  complete(taskSid: string): void;
}

/** The agent in Flex Conversations (FLEX_MODE=conversations): "end chat" closes the conversation. */
export function conversationsAgent(twilio: TwilioEmulator, agentIdentity: string): AgentActions {
  return {
    accept: (taskSid) => void twilio.acceptTask(taskSid, agentIdentity),
    send: (chatSid, text, replyTo) => void twilio.agentSend(chatSid, text, agentIdentity, replyTo ? { replyTo } : undefined),
    sendFile: (chatSid, { name, contentType, data, caption }) =>
      void twilio.agentSendFile(chatSid, { data, contentType, filename: name }, caption || undefined, agentIdentity),
    end: (chatSid) => void twilio.endChat(chatSid),
    complete: (taskSid) => void twilio.completeTask(taskSid),
  };
}

/**
 * The agent in the legacy custom chat (FLEX_MODE=legacy-chat): "end chat" sets the channel's status to
 * INACTIVE. It has no "Reply": the bridge reads `replyTo` in conversations mode only.
 */
export function legacyChatAgent(twilio: TwilioEmulator, agentIdentity: string): AgentActions {
  const legacy = twilio.legacyChat;
  return {
    accept: (taskSid) => void legacy.acceptTask(taskSid, agentIdentity),
    send: (chatSid, text) => void legacy.agentSend(chatSid, text, agentIdentity),
    sendFile: (chatSid, { name, contentType, data, caption }) =>
      void legacy.agentSendFile(chatSid, { data, contentType, filename: name }, caption || undefined, agentIdentity),
    end: (chatSid) => void legacy.endChat(chatSid),
    complete: (taskSid) => void legacy.completeTask(taskSid),
  };
}
