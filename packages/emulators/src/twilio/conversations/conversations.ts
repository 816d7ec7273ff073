import { badRequest, conversationClosed, invalidParameter, missingParameter, notFound, TwilioApiError } from '../http/errors.js';
import type { EmulatorEvents } from '../events.js';
import type { MediaStore } from '../mcs/mcs.js';
import { newSid } from '../sids.js';
import type {
  ConversationRecord,
  ConversationState,
  ConversationWebhookRecord,
  EmulatorState,
  MessageRecord,
  ParticipantRecord,
  StateChangeReason,
  WebhookTarget,
} from '../state.js';
import type { EmulatorClock } from '../clock.js';
import { assertStateWithTimers, dueTransition, timersFrom, type TimerParams } from './timers.js';
import type { ConversationWebhooks, Origin } from './webhook-events.js';

export interface NewConversation {
  friendlyName?: string;
  uniqueName?: string;
  attributes?: string;
  state?: string;
  messagingServiceSid?: string;
  timers?: TimerParams;
}

export type ConversationPatch = Omit<NewConversation, 'messagingServiceSid'>;

export interface NewParticipant {
  identity?: string;
  attributes?: string;
  roleSid?: string;
}

export interface NewMessage {
  author?: string;
  body?: string;
  attributes?: string;
  mediaSid?: string;
}

export interface NewWebhook {
  target?: string;
  url?: string;
  method?: string;
  filters: string[];
  triggers: string[];
  flowSid?: string;
}

const STATES: readonly ConversationState[] = ['initializing', 'active', 'inactive', 'closed'];
const TARGETS: readonly WebhookTarget[] = ['webhook', 'studio', 'trigger'];
const MAX_WEBHOOKS_PER_CONVERSATION = 5;

/** The Conversations product: its resources, its rules, and the webhooks its actions fire. */
export class ConversationService {
  constructor(
    private readonly state: EmulatorState,
    private readonly webhooks: ConversationWebhooks,
    private readonly events: EmulatorEvents,
    private readonly media: MediaStore,
    private readonly clock: EmulatorClock,
    /** See TwilioEmulatorOptions.silentFlexClose. */
    private readonly silentFlexClose = false,
  ) {}

  list(): ConversationRecord[] {
    return [...this.state.conversations.values()];
  }

  get(sidOrUniqueName: string): ConversationRecord {
    const conversation = this.state.findConversation(sidOrUniqueName);
    if (!conversation) throw notFound(`/Conversations/${sidOrUniqueName}`);
    return conversation;
  }

  create(input: NewConversation): ConversationRecord {
    const uniqueName = input.uniqueName ?? null;
    this.assertUniqueNameFree(uniqueName);
    assertStateWithTimers(input.timers ?? {}, input.state);
    const timers = timersFrom(input.timers ?? {}, this.clock.now());
    const now = new Date();
    const conversation: ConversationRecord = {
      sid: newSid('CH'),
      friendlyName: input.friendlyName ?? null,
      uniqueName,
      attributes: jsonAttributes(input.attributes),
      state: input.state === undefined ? 'active' : parseState(input.state),
      messagingServiceSid: input.messagingServiceSid ?? this.state.account.messagingServiceSid,
      dateCreated: now,
      dateUpdated: now,
      participants: [],
      messages: [],
      webhooks: [],
      nextMessageIndex: 0,
      timers,
    };
    this.state.conversations.set(conversation.sid, conversation);
    return conversation;
  }

  update(sidOrUniqueName: string, patch: ConversationPatch, origin: Origin): ConversationRecord {
    const conversation = this.openConversation(sidOrUniqueName);
    const nextState = patch.state === undefined ? conversation.state : parseState(patch.state);
    if (patch.uniqueName !== undefined && patch.uniqueName !== conversation.uniqueName) {
      this.assertUniqueNameFree(patch.uniqueName);
      conversation.uniqueName = patch.uniqueName;
    }
    if (patch.friendlyName !== undefined) conversation.friendlyName = patch.friendlyName;
    if (patch.attributes !== undefined) conversation.attributes = jsonAttributes(patch.attributes);
    if (patch.timers?.inactive !== undefined || patch.timers?.closed !== undefined) conversation.timers = timersFrom(patch.timers, this.clock.now(), conversation.timers);
    conversation.dateUpdated = new Date();
    if (nextState !== conversation.state) this.changeState(conversation, nextState, 'API', origin);
    else this.webhooks.conversationUpdated(conversation, origin);
    return conversation;
  }

  /** A state change made by Twilio or an agent rather than a REST update (closing a chat, timers). */
  setState(
    sidOrUniqueName: string,
    to: ConversationState,
    reason: StateChangeReason,
    origin: Origin,
  ): ConversationRecord {
    const conversation = this.openConversation(sidOrUniqueName);
    if (conversation.state !== to) {
      conversation.dateUpdated = new Date();
      this.changeState(conversation, to, reason, origin);
    }
    return conversation;
  }

  remove(sidOrUniqueName: string): void {
    this.state.conversations.delete(this.get(sidOrUniqueName).sid);
  }

  addParticipant(sidOrUniqueName: string, input: NewParticipant, origin: Origin): ParticipantRecord {
    const conversation = this.openConversation(sidOrUniqueName);
    if (input.identity === undefined || input.identity === '') {
      // Non-chat participants (MessagingBinding.*) are not emulated.
      throw missingParameter('Identity');
    }
    if (conversation.participants.some((p) => p.identity === input.identity)) {
      throw new TwilioApiError(409, 50433, 'Participant already exists');
    }
    const now = new Date();
    const participant: ParticipantRecord = {
      sid: newSid('MB'),
      conversationSid: conversation.sid,
      identity: input.identity,
      userSid: this.state.userSidFor(input.identity),
      attributes: jsonAttributes(input.attributes),
      roleSid: input.roleSid ?? null,
      dateCreated: now,
      dateUpdated: now,
    };
    conversation.participants.push(participant);
    this.webhooks.participantAdded(conversation, participant, origin);
    return participant;
  }

  /** A Conversations User (https://www.twilio.com/docs/conversations/api/user-resource), by sid or identity. */
  getUser(sidOrIdentity: string): { sid: string; identity: string; friendlyName: string | null } {
    const identity = [...this.state.userSids].find(([, sid]) => sid === sidOrIdentity)?.[0] ?? sidOrIdentity;
    if (!this.state.userSids.has(identity)) throw notFound(`/Users/${sidOrIdentity}`);
    return { sid: this.state.userSidFor(identity), identity, friendlyName: this.state.userNames.get(identity) ?? null };
  }

  /** Creates or renames the user of `identity`, as Flex does for an agent who logs in. */
  nameUser(identity: string, friendlyName: string): void {
    this.state.userSidFor(identity);
    this.state.userNames.set(identity, friendlyName);
  }

  getParticipant(sidOrUniqueName: string, participantSid: string): ParticipantRecord {
    const conversation = this.get(sidOrUniqueName);
    const participant = conversation.participants.find((p) => p.sid === participantSid);
    if (!participant) throw notFound(`/Conversations/${conversation.sid}/Participants/${participantSid}`);
    return participant;
  }

  removeParticipant(sidOrUniqueName: string, participantSid: string): void {
    const participant = this.getParticipant(sidOrUniqueName, participantSid);
    const conversation = this.get(participant.conversationSid);
    conversation.participants = conversation.participants.filter((p) => p !== participant);
  }

  /** Every conversation the identity takes part in, with its participant there. */
  participations(identity: string): { conversation: ConversationRecord; participant: ParticipantRecord }[] {
    return this.list().flatMap((conversation) =>
      conversation.participants
        .filter((participant) => participant.identity === identity)
        .map((participant) => ({ conversation, participant })),
    );
  }

  addMessage(sidOrUniqueName: string, input: NewMessage, origin: Origin): MessageRecord {
    if (this.silentFlexClose && this.get(sidOrUniqueName).state === 'closed') {
      throw badRequest('The conversation is not in a state that allows this operation');
    }
    const conversation = this.openConversation(sidOrUniqueName);
    if (input.body === undefined && input.mediaSid === undefined) {
      throw invalidParameter('Body', 'a message needs a Body or a MediaSid');
    }
    const attributes = jsonAttributes(input.attributes);
    const media = input.mediaSid === undefined ? undefined : this.media.record(input.mediaSid);
    if (input.mediaSid !== undefined && !media) throw invalidParameter('MediaSid', `no media ${input.mediaSid} in the service`);
    if (conversation.state === 'inactive') this.setState(conversation.sid, 'active', 'EVENT', { kind: 'system' });
    conversation.timers.since = this.clock.now();
    const author = input.author ?? 'system';
    const now = new Date();
    const message: MessageRecord = {
      sid: newSid('IM'),
      conversationSid: conversation.sid,
      index: conversation.nextMessageIndex++,
      author,
      body: input.body ?? null,
      attributes,
      media: media ? [media] : null,
      participantSid: conversation.participants.find((p) => p.identity === author)?.sid ?? null,
      dateCreated: now,
      dateUpdated: now,
    };
    conversation.messages.push(message);
    this.events.emit('message', structuredClone(message));
    this.webhooks.messageAdded(conversation, message, origin);
    return message;
  }

  getMessage(sidOrUniqueName: string, messageSid: string): MessageRecord {
    const conversation = this.get(sidOrUniqueName);
    const message = conversation.messages.find((m) => m.sid === messageSid);
    if (!message) throw notFound(`/Conversations/${conversation.sid}/Messages/${messageSid}`);
    return message;
  }

  addWebhook(sidOrUniqueName: string, input: NewWebhook): ConversationWebhookRecord {
    const conversation = this.get(sidOrUniqueName);
    if (conversation.webhooks.length >= MAX_WEBHOOKS_PER_CONVERSATION) {
      throw new TwilioApiError(400, 50361, 'Too many conversation webhooks');
    }
    const target = parseTarget(input.target);
    if (target === 'webhook' && !isHttpUrl(input.url)) {
      throw invalidParameter('Configuration.Url', 'an absolute http(s) URL is required for target webhook');
    }
    if (target === 'studio' && !input.flowSid) throw missingParameter('Configuration.FlowSid');
    const now = new Date();
    const webhook: ConversationWebhookRecord = {
      sid: newSid('WH'),
      conversationSid: conversation.sid,
      target,
      url: input.url ?? null,
      method: parseMethod(input.method),
      filters: input.filters,
      triggers: input.triggers,
      flowSid: input.flowSid ?? null,
      dateCreated: now,
      dateUpdated: now,
    };
    conversation.webhooks.push(webhook);
    return webhook;
  }

  getWebhook(sidOrUniqueName: string, webhookSid: string): ConversationWebhookRecord {
    const conversation = this.get(sidOrUniqueName);
    const webhook = conversation.webhooks.find((w) => w.sid === webhookSid);
    if (!webhook) throw notFound(`/Conversations/${conversation.sid}/Webhooks/${webhookSid}`);
    return webhook;
  }

  removeWebhook(sidOrUniqueName: string, webhookSid: string): void {
    const webhook = this.getWebhook(sidOrUniqueName, webhookSid);
    const conversation = this.get(webhook.conversationSid);
    conversation.webhooks = conversation.webhooks.filter((w) => w !== webhook);
  }

  /** Carries out the timers that are due by the emulator clock (Reason `TIMER`, fired by Twilio itself). */
  fireDueTimers(): void {
    const now = this.clock.now();
    for (const conversation of this.list()) {
      const to = dueTransition(conversation.timers, conversation.state, now);
      if (to) this.setState(conversation.sid, to, 'TIMER', { kind: 'system' });
    }
  }

  /** A conversation that can still change: `closed` is final. */
  private openConversation(sidOrUniqueName: string): ConversationRecord {
    const conversation = this.get(sidOrUniqueName);
    if (conversation.state === 'closed') throw conversationClosed();
    return conversation;
  }

  private changeState(
    conversation: ConversationRecord,
    to: ConversationState,
    reason: StateChangeReason,
    origin: Origin,
  ): void {
    const from = conversation.state;
    conversation.state = to;
    this.events.emit('state', { conversationSid: conversation.sid, from, to, reason, at: conversation.dateUpdated });
    this.webhooks.stateUpdated(conversation, from, reason, origin);
    this.webhooks.conversationUpdated(conversation, origin);
  }

  private assertUniqueNameFree(uniqueName: string | null): void {
    if (uniqueName !== null && this.state.findConversation(uniqueName)) {
      throw new TwilioApiError(409, 50353, 'Conversation with provided unique name already exists');
    }
  }
}

function jsonAttributes(attributes: string | undefined): string {
  if (attributes === undefined) return '{}';
  try {
    JSON.parse(attributes);
  } catch {
    throw invalidParameter('Attributes', 'must be a JSON string');
  }
  return attributes;
}

function parseState(state: string): ConversationState {
  const known = STATES.find((s) => s === state);
  if (!known) throw invalidParameter('State', `expected one of ${STATES.join(', ')}`);
  return known;
}

function parseTarget(target: string | undefined): WebhookTarget {
  if (target === undefined) throw missingParameter('Target');
  const known = TARGETS.find((t) => t === target);
  if (!known) throw invalidParameter('Target', `expected one of ${TARGETS.join(', ')}`);
  return known;
}

function parseMethod(method: string | undefined): 'get' | 'post' {
  const lower = (method ?? 'post').toLowerCase();
  if (lower !== 'get' && lower !== 'post') throw invalidParameter('Configuration.Method', 'expected get or post');
  return lower;
}

function isHttpUrl(url: string | undefined): boolean {
  if (url === undefined || !URL.canParse(url)) return false;
  const { protocol } = new URL(url);
  return protocol === 'http:' || protocol === 'https:';
}
