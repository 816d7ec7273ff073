import type { OpenChatRequest } from './backend.js';

/** Constant attributes an operator adds to every chat (FLEX_TASK_ATTRIBUTES). */
export type ExtraAttributes = Readonly<Record<string, unknown>>;

/**
 * What a chat says about its customer, as flat attributes a TaskRouter workflow expression can test
 * (`network == "telegram"`, `language == "de"`, `startPayload == "order_42"`, `earlierChats > 0`).
 * The operator's constants come first: the bridge's own fields win over a constant of the same name,
 * and a constant fills a field the bridge does not know (a `language` for Discord, which names none).
 */
export function contextAttributes(req: OpenChatRequest, extra: ExtraAttributes): Record<string, unknown> {
  const { language, startPayload, earlierChats } = req.context;
  return {
    ...extra,
    network: req.network,
    handle: req.handle,
    customerName: req.displayName,
    ...(language ? { language } : {}),
    ...(startPayload ? { startPayload } : {}),
    ...(earlierChats
      ? {
          earlierChats: earlierChats.count,
          previousConversationSid: earlierChats.lastFlexSid,
          previousChatEndedAt: new Date(earlierChats.lastEndedAt).toISOString(),
        }
      : {}),
  };
}

/**
 * The task's attributes: the context, `from` and `customerName` (what the Flex UI labels the task
 * with: https://www.twilio.com/docs/flex/developer/conversations/interactions-api/interactions), and
 * the `conversations` and `customers` objects Flex Insights reads from task attributes
 * (https://www.twilio.com/docs/flex/developer/insights/enhance-integration). An operator's own
 * `conversations`/`customers` fields (labels, segments) are kept beside the bridge's.
 */
export function taskAttributes(req: OpenChatRequest, extra: ExtraAttributes): Record<string, unknown> {
  const { language } = req.context;
  return {
    ...contextAttributes(req, extra),
    from: req.handle,
    channelType: req.network,
    conversations: {
      ...objectAt(extra, 'conversations'),
      communication_channel: titleOf(req.network),
      initiated_by: 'Customer',
      direction: 'Inbound',
      ...(language ? { language } : {}),
    },
    customers: {
      ...objectAt(extra, 'customers'),
      name: req.displayName,
      external_id: req.identity,
    },
  };
}

/**
 * The customer's chat participant's attributes: `friendlyName` is the name the Flex UI shows on the
 * customer's messages instead of their identity (the Conversations participant's attributes, as Flex
 * webchat sets them).
 */
export function participantAttributes(req: OpenChatRequest): string {
  return JSON.stringify({ friendlyName: req.displayName });
}

function objectAt(extra: ExtraAttributes, key: string): Record<string, unknown> {
  const value = extra[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function titleOf(network: string): string {
  return network.charAt(0).toUpperCase() + network.slice(1);
}
