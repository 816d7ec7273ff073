import type { EmulatedAccount, MediaRecord } from '../state.js';

/** Records of the legacy Flex custom chat: Flex Flows, Flex Channels and Programmable Chat v2. */

export type FlexChannelType = 'web' | 'sms' | 'facebook' | 'whatsapp' | 'line' | 'custom';
export type FlexIntegrationType = 'studio' | 'external' | 'task';

export interface FlexFlowRecord {
  sid: string;
  friendlyName: string;
  chatServiceSid: string;
  channelType: FlexChannelType;
  contactIdentity: string | null;
  enabled: boolean;
  integrationType: FlexIntegrationType | null;
  /** `Integration.*` as sent, keyed in snake_case as Twilio returns them (`flow_sid`, `url`, …). */
  integration: Record<string, string>;
  longLived: boolean;
  janitorEnabled: boolean;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface ChatUserRecord {
  sid: string;
  identity: string;
  friendlyName: string | null;
  dateCreated: Date;
}

export interface ChatMessageRecord {
  sid: string;
  channelSid: string;
  index: number;
  from: string;
  body: string | null;
  attributes: string;
  /** A file from MCS (`MediaSid`); a Chat message holds at most one. */
  media: MediaRecord | null;
  dateCreated: Date;
  dateUpdated: Date;
}

export type ChatWebhookType = 'webhook' | 'studio' | 'trigger';

export interface ChatWebhookRecord {
  sid: string;
  channelSid: string;
  type: ChatWebhookType;
  url: string | null;
  /** Chat spells it in capitals, unlike Conversations. */
  method: 'GET' | 'POST';
  filters: string[];
  triggers: string[];
  flowSid: string | null;
  retryCount: number;
  dateCreated: Date;
  dateUpdated: Date;
}

/** A Programmable Chat channel; `flexFlowSid` is set when Flex created it (a Flex Channel). */
export interface ChatChannelRecord {
  sid: string;
  serviceSid: string;
  friendlyName: string | null;
  uniqueName: string | null;
  /** A JSON string; Flex keeps `from`, `channel_type`, `status` (ACTIVE|INACTIVE) and `long_lived` in it. */
  attributes: string;
  type: 'public' | 'private';
  createdBy: string;
  flexFlowSid: string | null;
  /** The chat user Flex created the channel for. */
  userSid: string | null;
  members: string[];
  messages: ChatMessageRecord[];
  webhooks: ChatWebhookRecord[];
  nextMessageIndex: number;
  dateCreated: Date;
  dateUpdated: Date;
}

export type ChatTaskStatus = 'pending' | 'accepted' | 'wrapping' | 'completed';

/** A task created by Studio "Send to Flex" for a chat channel. */
export interface ChatTaskRecord {
  sid: string;
  channelSid: string;
  studioFlowSid: string | null;
  workspaceSid: string;
  workflowSid: string;
  taskChannel: string;
  attributes: Record<string, unknown>;
  status: ChatTaskStatus;
  createdAt: Date;
}

export class LegacyChatState {
  readonly flexFlows = new Map<string, FlexFlowRecord>();
  readonly channels = new Map<string, ChatChannelRecord>();
  /** Chat users by identity. */
  readonly users = new Map<string, ChatUserRecord>();
  readonly tasks = new Map<string, ChatTaskRecord>();

  constructor(readonly account: EmulatedAccount) {}
}
