import type { Config } from '../config.js';
import type { FlexBackend } from './backend.js';
import { ConversationsBackend } from './conversations.js';
import { LegacyChatBackend } from './legacy-chat.js';
import { McsClient } from './mcs-client.js';
import { createTwilioClient, type TwilioClientOptions } from './twilio-client.js';

export function createFlexBackend(config: Config, onResponse?: TwilioClientOptions['onResponse']): FlexBackend {
  const client = createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    apiBaseUrl: config.TWILIO_API_BASE_URL,
    timeoutMs: config.TWILIO_TIMEOUT_MS,
    onResponse,
  });
  const mcs = new McsClient({ accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN, apiBaseUrl: config.TWILIO_API_BASE_URL });
  switch (config.FLEX_MODE) {
    case 'conversations':
      return new ConversationsBackend({
        client,
        mcs,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        workspaceSid: config.FLEX_WORKSPACE_SID,
        workflowSid: config.FLEX_WORKFLOW_SID,
        taskChannel: config.FLEX_TASK_CHANNEL,
        studioFlowSid: config.FLEX_STUDIO_FLOW_SID,
        routing: { confirmMs: config.ROUTING_CONFIRM_MS, attempts: config.ROUTING_ATTEMPTS },
        timers: { inactive: config.CONVERSATION_INACTIVE_TIMER, closed: config.CONVERSATION_CLOSED_TIMER },
        extraAttributes: config.FLEX_TASK_ATTRIBUTES,
      });
    case 'legacy-chat':
      return new LegacyChatBackend({
        client,
        mcs,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        flexFlowSid: legacySetting(config, 'FLEX_FLOW_SID'),
        chatServiceSid: legacySetting(config, 'FLEX_CHAT_SERVICE_SID'),
        extraAttributes: config.FLEX_TASK_ATTRIBUTES,
        workspaceSid: config.FLEX_WORKSPACE_SID,
        workflowSid: config.FLEX_WORKFLOW_SID,
      });
  }
}

/** loadConfig already demands these in legacy-chat mode; the type cannot say so. */
function legacySetting(config: Config, key: 'FLEX_FLOW_SID' | 'FLEX_CHAT_SERVICE_SID'): string {
  const value = config[key];
  if (!value) throw new Error(`${key} is required when FLEX_MODE=legacy-chat`);
  return value;
}
