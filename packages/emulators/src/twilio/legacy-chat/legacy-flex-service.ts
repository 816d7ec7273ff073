import { invalidParameter, missingParameter, notFound } from '../http/errors.js';
import type { ChatService } from './legacy-chat-service.js';
import { channelAttributes } from './legacy-chat-attributes.js';
import type {
  ChatChannelRecord,
  FlexChannelType,
  FlexFlowRecord,
  FlexIntegrationType,
  LegacyChatState,
} from './legacy-chat-state.js';
import { newSid } from '../sids.js';

export interface NewFlexFlow {
  friendlyName?: string;
  chatServiceSid?: string;
  channelType?: string;
  contactIdentity?: string;
  enabled?: boolean;
  integrationType?: string;
  integration: Record<string, string>;
  longLived?: boolean;
  janitorEnabled?: boolean;
}

export interface NewFlexChannel {
  flexFlowSid?: string;
  identity?: string;
  chatUserFriendlyName?: string;
  chatFriendlyName?: string;
  target?: string;
  chatUniqueName?: string;
  preEngagementData?: string;
  longLived?: boolean;
}

const CHANNEL_TYPES: readonly FlexChannelType[] = ['web', 'sms', 'facebook', 'whatsapp', 'line', 'custom'];
const INTEGRATION_TYPES: readonly FlexIntegrationType[] = ['studio', 'external', 'task'];
/** What each integration type cannot do without (snake_case keys of `integration`). */
const INTEGRATION_NEEDS: Record<FlexIntegrationType, { key: string; param: string }> = {
  studio: { key: 'flow_sid', param: 'Integration.FlowSid' },
  external: { key: 'url', param: 'Integration.Url' },
  task: { key: 'workspace_sid', param: 'Integration.WorkspaceSid' },
};

/** Flex Flows and Flex Chat Channels (flex-api v1): the legacy way Flex opens a chat for a customer. */
export class LegacyFlexService {
  constructor(
    private readonly state: LegacyChatState,
    private readonly chat: ChatService,
  ) {}

  createFlow(input: NewFlexFlow): FlexFlowRecord {
    const friendlyName = required(input.friendlyName, 'FriendlyName');
    const chatServiceSid = required(input.chatServiceSid, 'ChatServiceSid');
    if (chatServiceSid !== this.state.account.chatServiceSid) {
      throw invalidParameter('ChatServiceSid', `${chatServiceSid} is not a Chat service of this account`);
    }
    const channelType = oneOf(required(input.channelType, 'ChannelType'), CHANNEL_TYPES, 'ChannelType');
    const integrationType =
      input.integrationType === undefined ? null : oneOf(input.integrationType, INTEGRATION_TYPES, 'IntegrationType');
    if (integrationType !== null) {
      const need = INTEGRATION_NEEDS[integrationType];
      if (input.integration[need.key] === undefined) throw missingParameter(need.param);
    }
    const now = new Date();
    const flow: FlexFlowRecord = {
      sid: newSid('FO'),
      friendlyName,
      chatServiceSid,
      channelType,
      contactIdentity: input.contactIdentity ?? null,
      enabled: input.enabled ?? false,
      integrationType,
      integration: input.integration,
      longLived: input.longLived ?? false,
      janitorEnabled: input.janitorEnabled ?? false,
      dateCreated: now,
      dateUpdated: now,
    };
    this.state.flexFlows.set(flow.sid, flow);
    return flow;
  }

  flows(): FlexFlowRecord[] {
    return [...this.state.flexFlows.values()];
  }

  flow(sid: string): FlexFlowRecord {
    const flow = this.state.flexFlows.get(sid);
    if (!flow) throw notFound(`/FlexFlows/${sid}`);
    return flow;
  }

  /**
   * Creates the chat user, the channel (attributes `from` = target) and the membership in one go. While a
   * channel of the flow with the same target is still ACTIVE, Flex answers with that channel instead.
   * A Studio flow joins the channel as a `studio` webhook; it creates the task on the first message.
   */
  createChannel(input: NewFlexChannel): ChatChannelRecord {
    const flow = this.flow(required(input.flexFlowSid, 'FlexFlowSid'));
    const identity = required(input.identity, 'Identity');
    const chatUserFriendlyName = required(input.chatUserFriendlyName, 'ChatUserFriendlyName');
    const chatFriendlyName = required(input.chatFriendlyName, 'ChatFriendlyName');
    const from = input.target ?? identity;
    const active = this.flexChannels().find((c) => c.flexFlowSid === flow.sid && isActiveFor(c, from));
    if (active) return active;

    const user = this.chat.user(identity, chatUserFriendlyName);
    const channel = this.chat.create({
      serviceSid: flow.chatServiceSid,
      friendlyName: chatFriendlyName,
      uniqueName: input.chatUniqueName ?? null,
      attributes: JSON.stringify({
        from,
        channel_type: flow.channelType,
        status: 'ACTIVE',
        long_lived: input.longLived ?? flow.longLived,
        // Where Flex webchat's pre-engagement form lands, for the flow's Studio widgets to read.
        ...(input.preEngagementData !== undefined ? { pre_engagement_data: preEngagementOf(input.preEngagementData) } : {}),
      }),
      createdBy: 'system',
      flexFlowSid: flow.sid,
      userSid: user.sid,
    });
    this.chat.addMember(channel, identity, { kind: 'system' });
    // External and task integrations are not emulated: their channels get no task.
    if (flow.integrationType === 'studio') {
      this.chat.addWebhook(channel, {
        type: 'studio',
        flowSid: flow.integration.flow_sid,
        filters: ['onMessageSent'],
        triggers: [],
      });
    }
    return channel;
  }

  flexChannels(): ChatChannelRecord[] {
    return this.chat.list().filter((c) => c.flexFlowSid !== null);
  }

  flexChannel(sid: string): ChatChannelRecord {
    const channel = this.flexChannels().find((c) => c.sid === sid);
    if (!channel) throw notFound(`/Channels/${sid}`);
    return channel;
  }

  removeChannel(sid: string): void {
    this.chat.remove(this.flexChannel(sid));
  }
}

/** Flex keeps JSON pre-engagement data as an object in the channel's attributes, anything else as the string given. */
function preEngagementOf(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function isActiveFor(channel: ChatChannelRecord, from: string): boolean {
  const attributes = channelAttributes(channel);
  return attributes.from === from && attributes.status === 'ACTIVE';
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  const known = allowed.find((a) => a === value);
  if (!known) throw invalidParameter(name, `expected one of ${allowed.join(', ')}`);
  return known;
}
