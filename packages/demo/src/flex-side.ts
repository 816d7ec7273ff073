import type { WebhookDelivery } from '@flex-bridge/emulators';
import type { AgentActions } from './agent-actions.js';
import type { MessageFile } from './files.js';
import type { DemoMode, TaskView } from './views.js';

/** A message in a Flex chat: a Conversations message or a Programmable Chat message. */
export interface FlexMessage {
  readonly sid: string;
  readonly chatSid: string;
  readonly author: string;
  readonly body: string;
  readonly files: readonly FlexFile[];
  /** The JSON string; the bridge's own posts carry their `flexBridgeId` in it. */
  readonly attributes: string;
  readonly at: number;
}

/** A file in MCS that a Flex message carries. */
export interface FlexFile extends MessageFile {
  readonly mediaSid: string;
}

export type FlexTask = Omit<TaskView, 'network'>;

/** What Twilio told the bridge in a webhook, as the trace tells it. */
export type WebhookTopic = 'agent-message' | 'chat-ended' | 'other';

/**
 * Flex as the console sees it in one FLEX_MODE: the agent's actions and what the Twilio emulator
 * reports, in the same terms for Flex Conversations and the legacy custom chat.
 */
export interface FlexSide {
  readonly mode: DemoMode;
  readonly agent: AgentActions;
  /** The customer handle a chat was opened for (its friendly name), if the chat exists. */
  handleOf(chatSid: string): string | undefined;
  onMessage(listener: (message: FlexMessage) => void): void;
  /** A task was created or changed status. */
  onTask(listener: (task: FlexTask) => void): void;
  /** The agent ended a chat; `how` says what Flex did to it, e.g. `conversation CH1a2b… is closed`. */
  onChatEnded(listener: (chatSid: string, how: string) => void): void;
  /** A webhook to the bridge was answered (or failed). */
  onWebhook(listener: (delivery: WebhookDelivery, topic: WebhookTopic) => void): void;
  /** Twilio's webhook for a made-up agent message, signed with a wrong key, into the chat. */
  forgeWebhook(chatSid: string, forged: { body: string; author: string }): Promise<void>;
}
