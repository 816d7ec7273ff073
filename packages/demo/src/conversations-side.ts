import type { TwilioEmulator, WebhookDelivery } from '@flex-bridge/emulators';
import { conversationsAgent } from './agent-actions.js';
import { contextOf, stringAt } from './flex-attributes.js';
import type { FlexSide, WebhookTopic } from './flex-side.js';
import { shortSid } from './flow-ids.js';
import { mcsFiles } from './mcs-files.js';

/** Flex Conversations (FLEX_MODE=conversations): conversations, Interactions tasks, conversation webhooks. */
export function conversationsSide(twilio: TwilioEmulator, agentIdentity: string): FlexSide {
  return {
    mode: 'conversations',
    agent: conversationsAgent(twilio, agentIdentity),
    handleOf: (chatSid) => twilio.conversations().find((c) => c.sid === chatSid)?.friendlyName ?? undefined,
    onMessage(listener) {
      twilio.events.on('message', (message) =>
        listener({
          sid: message.sid,
          chatSid: message.conversationSid,
          author: message.author,
          body: message.body ?? '',
          files: mcsFiles(twilio, (message.media ?? []).map((media) => media.sid)),
          attributes: message.attributes,
          at: message.dateCreated.getTime(),
        }),
      );
    },
    onTask(listener) {
      twilio.events.on('task', (task) =>
        listener({
          sid: task.sid,
          chatSid: task.conversationSid,
          handle: stringAt(task.attributes, 'from') ?? task.conversationSid,
          customerName: stringAt(task.attributes, 'customerName') ?? '',
          context: contextOf(task.attributes),
          status: task.status,
          createdAt: task.createdAt.getTime(),
        }),
      );
    },
    onChatEnded(listener) {
      twilio.events.on('state', ({ conversationSid, to }) => {
        if (to === 'closed') listener(conversationSid, `conversation ${shortSid(conversationSid)} is closed`);
      });
    },
    onWebhook(listener) {
      twilio.events.on('webhook', (delivery) => listener(delivery, topicOf(delivery)));
    },
    async forgeWebhook(chatSid, forged) {
      await twilio.sendForgedWebhook(chatSid, forged);
    },
  };
}

function topicOf(delivery: WebhookDelivery): WebhookTopic {
  // Only agents' messages reach the bridge as onMessageAdded: its own posts fire no webhook.
  if (delivery.eventType === 'onMessageAdded' && delivery.messageSid) return 'agent-message';
  if (delivery.eventType === 'onConversationStateUpdated' && delivery.params.StateTo === 'closed') return 'chat-ended';
  return 'other';
}
