import { describe, expect, it } from 'vitest';
import type { ConversationsBackendOptions } from '../../src/flex/conversations.js';
import { CONVERSATIONS_WEBHOOK_PATH, ConversationsBackend } from '../../src/flex/conversations.js';

// Parsing needs no Twilio client: the backend only reads the webhook's form parameters.
const backend = new ConversationsBackend({ publicBaseUrl: 'https://bridge.example.com', taskChannel: 'chat' } as ConversationsBackendOptions);
const parse = (params: Record<string, string>) => backend.parseWebhook(CONVERSATIONS_WEBHOOK_PATH, params);

/** onParticipantAdded as Twilio posts it (https://www.twilio.com/docs/conversations/conversations-webhooks). */
const participantAdded = (more: Record<string, string>) => ({
  AccountSid: 'AC00000000000000000000000000000000',
  EventType: 'onParticipantAdded',
  ConversationSid: 'CH00000000000000000000000000000001',
  ParticipantSid: 'MB00000000000000000000000000000001',
  Attributes: '{}',
  DateCreated: '2026-12-07T10:00:00.000Z',
  Source: 'API',
  WebhookSid: 'WH00000000000000000000000000000001',
  ...more,
});

describe('ConversationsBackend.parseWebhook: onParticipantAdded', () => {
  it('an agent (a chat participant with an identity) joined', () => {
    expect(parse(participantAdded({ Identity: 'agent_alice' }))).toEqual({
      type: 'participant-joined',
      flexSid: 'CH00000000000000000000000000000001',
      identity: 'agent_alice',
    });
  });

  it('reports the customer’s and the bridge’s identities too: only the chat’s mapping tells them apart', () => {
    expect(parse(participantAdded({ Identity: 'telegram_42' }))).toMatchObject({ type: 'participant-joined', identity: 'telegram_42' });
    expect(parse(participantAdded({ Identity: 'flex-bridge' }))).toMatchObject({ type: 'participant-joined', identity: 'flex-bridge' });
  });

  it('ignores a participant reached over SMS or WhatsApp (a messaging binding, no identity)', () => {
    const sms = participantAdded({ 'MessagingBinding.Address': '+15550001111', 'MessagingBinding.ProxyAddress': '+15550002222' });
    expect(parse(sms)).toEqual({ type: 'ignored', reason: 'participant without a chat identity' });
    expect(parse({ ...sms, Identity: 'someone' })).toMatchObject({ type: 'ignored' });
  });

  it('refuses a webhook without its conversation', () => {
    const { ConversationSid: _, ...params } = participantAdded({ Identity: 'agent_alice' });
    expect(() => parse(params)).toThrow('ConversationSid is missing');
  });
});

/** onConversationUpdated (https://www.twilio.com/docs/conversations/conversations-webhooks): any change, with the `State` after it. */
const conversationUpdated = (more: Record<string, string>) => ({
  AccountSid: 'AC00000000000000000000000000000000',
  EventType: 'onConversationUpdated',
  ConversationSid: 'CH00000000000000000000000000000002',
  DateUpdated: '2026-12-07T10:00:00.000Z',
  Attributes: '{}',
  Source: 'API',
  ...more,
});

describe('ConversationsBackend.parseWebhook: the chat ending', () => {
  it('onConversationUpdated with State closed ends the chat', () => {
    expect(parse(conversationUpdated({ State: 'closed' }))).toEqual({ type: 'ended', flexSid: 'CH00000000000000000000000000000002' });
  });

  it('onConversationUpdated for an active or inactive chat, or without a State, is ignored', () => {
    expect(parse(conversationUpdated({ State: 'active' }))).toMatchObject({ type: 'ignored' });
    expect(parse(conversationUpdated({ State: 'inactive' }))).toMatchObject({ type: 'ignored' });
    expect(parse(conversationUpdated({}))).toMatchObject({ type: 'ignored' });
  });

  it('onConversationStateUpdated to closed ends the chat; to inactive does not', () => {
    const state = (StateTo: string) => ({ EventType: 'onConversationStateUpdated', ConversationSid: 'CH00000000000000000000000000000003', StateFrom: 'active', StateTo });
    expect(parse(state('closed'))).toEqual({ type: 'ended', flexSid: 'CH00000000000000000000000000000003' });
    expect(parse(state('inactive'))).toMatchObject({ type: 'ignored' });
  });
});
