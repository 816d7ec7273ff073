import type { TwilioEmulator, WebhookDelivery } from '@flex-bridge/emulators';
import { legacyChatAgent } from './agent-actions.js';
import { channelStatusOf, contextOf, stringAt } from './flex-attributes.js';
import type { FlexSide, WebhookTopic } from './flex-side.js';
import { shortSid } from './flow-ids.js';
import { mcsFiles } from './mcs-files.js';

/**
 * The legacy custom chat (FLEX_MODE=legacy-chat): Flex Channels over Programmable Chat, tasks from
 * Studio "Send to Flex", channel webhooks, and "end chat" as `status: INACTIVE` in the channel attributes.
 */
export function legacyChatSide(twilio: TwilioEmulator, agentIdentity: string): FlexSide {
  const legacy = twilio.legacyChat;
  return {
    mode: 'legacy-chat',
    agent: legacyChatAgent(twilio, agentIdentity),
    handleOf: (chatSid) => legacy.channels().find((c) => c.sid === chatSid)?.friendlyName ?? undefined,
    onMessage(listener) {
      twilio.events.on('chatMessage', (message) =>
        listener({
          sid: message.sid,
          chatSid: message.channelSid,
          author: message.from,
          body: message.body ?? '',
          files: mcsFiles(twilio, message.media === null ? [] : [message.media.sid]),
          attributes: message.attributes,
          at: message.dateCreated.getTime(),
        }),
      );
    },
    onTask(listener) {
      twilio.events.on('chatTask', (task) =>
        listener({
          sid: task.sid,
          chatSid: task.channelSid,
          // Send to Flex names the task after the channel's `from`: the customer's handle.
          handle: stringAt(task.attributes, 'name') ?? task.channelSid,
          customerName: '',
          // The bridge gives legacy Flex the customer's context as the channel's pre-engagement data.
          context: contextOf(preEngagementOf(twilio, task.channelSid)),
          status: task.status,
          createdAt: task.createdAt.getTime(),
        }),
      );
    },
    onChatEnded(listener) {
      twilio.events.on('chatChannel', ({ channelSid, attributes }) => {
        if (channelStatusOf(attributes) === 'INACTIVE') listener(channelSid, `Flex set channel ${shortSid(channelSid)} to status INACTIVE`);
      });
    },
    onWebhook(listener) {
      twilio.events.on('webhook', (delivery) => listener(delivery, topicOf(delivery)));
    },
    async forgeWebhook(chatSid, { body, author }) {
      await legacy.sendForgedWebhook(chatSid, { body, from: author });
    },
  };
}

function topicOf(delivery: WebhookDelivery): WebhookTopic {
  // The bridge's own posts come back too, as Source=API; only what agents type is Source=SDK.
  if (delivery.eventType === 'onMessageSent' && delivery.params.Source === 'SDK') return 'agent-message';
  if (delivery.eventType === 'onChannelUpdated' && channelStatusOf(delivery.params.Attributes ?? '') === 'INACTIVE') return 'chat-ended';
  return 'other';
}

function preEngagementOf(twilio: TwilioEmulator, channelSid: string): unknown {
  const channel = twilio.legacyChat.channels().find((c) => c.sid === channelSid);
  try {
    return (JSON.parse(channel?.attributes ?? '{}') as { pre_engagement_data?: unknown }).pre_engagement_data;
  } catch {
    return undefined;
  }
}
