import { randomBytes } from 'node:crypto';
import { apiError, invalidFormBody } from './api-error.js';
import type { GatewayServer } from './gateway.js';
import { SandboxInputError } from '../shared/input-error.js';
import type { DiscordState } from './state.js';
import type { BotMessage, DcMessage, DcUser, DiscordEmulatorEvents } from './types.js';
import { messageObject } from './message-objects.js';

/** "Interaction tokens are valid for 15 minutes", but the first answer must come within 3 seconds (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction). */
export const INITIAL_RESPONSE_MS = 3_000;

const MESSAGE_COMPONENT = 3;
const BUTTON = 2;
const BOT_DM_CONTEXT = 1;
/** Interaction callback types (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type). */
const CHANNEL_MESSAGE_WITH_SOURCE = 4;
const DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5;
const DEFERRED_UPDATE_MESSAGE = 6;
const UPDATE_MESSAGE = 7;

interface Button {
  type: number;
  custom_id?: string;
  label?: string;
}

interface PendingInteraction {
  id: string;
  token: string;
  createdAt: number;
  acknowledged: boolean;
  message: DcMessage;
  user: DcUser;
}

/**
 * Button clicks in DMs, dispatched to the bot as INTERACTION_CREATE (no intent needed), and the bot's
 * one initial response to each through `POST /interactions/{id}/{token}/callback`: within 3 seconds,
 * once, with the interaction's own token; otherwise 10062 Unknown interaction or 40060.
 */
export class Interactions {
  private readonly pending = new Map<string, PendingInteraction>();

  constructor(
    private readonly state: DiscordState,
    private readonly gateway: GatewayServer,
    private readonly events: DiscordEmulatorEvents,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user clicks the button `customId` of the bot's message `messageId` in their DM. Returns the interaction id. */
  click(userId: string, messageId: string, customId: string): string {
    const record = this.state.user(userId);
    if (!record || userId === this.state.bot.id) throw new SandboxInputError(`unknown user ${userId}: add it first`, 404);
    const channel = this.state.openDm(userId);
    const message = this.state.message(messageId);
    if (!message || message.channel_id !== channel.id || message.author.id !== this.state.bot.id) {
      throw new SandboxInputError(`the bot sent no message ${messageId} to user ${userId}`, 404);
    }
    if (!buttonsOf(message).some((button) => button.custom_id === customId)) {
      throw new SandboxInputError(`message ${messageId} has no button with custom_id ${customId}`);
    }
    const interaction: PendingInteraction = {
      id: this.state.ids.next(),
      token: `aW50ZXJhY3Rpb24${randomBytes(24).toString('base64url')}`,
      createdAt: this.now(),
      acknowledged: false,
      message,
      user: record.user,
    };
    this.pending.set(interaction.id, interaction);
    // The message as it was when clicked: answering with UPDATE_MESSAGE edits it before a replay.
    const clicked = structuredClone(message);
    this.gateway.dispatch('INTERACTION_CREATE', () => ({
      id: interaction.id,
      application_id: this.state.applicationId,
      type: MESSAGE_COMPONENT,
      data: { custom_id: customId, component_type: BUTTON },
      channel_id: channel.id,
      channel: { id: channel.id, type: channel.type },
      user: record.user,
      token: interaction.token,
      version: 1,
      message: clicked,
      locale: 'en-US',
      app_permissions: '0',
      entitlements: [],
      authorizing_integration_owners: { 1: userId },
      context: BOT_DM_CONTEXT,
      attachment_size_limit: 10 * 1024 * 1024,
    }));
    return interaction.id;
  }

  /** The token INTERACTION_CREATE gave the bot for the interaction. */
  tokenOf(interactionId: string): string | undefined {
    return this.pending.get(interactionId)?.token;
  }

  /**
   * `POST /interactions/{id}/{token}/callback`: 204, or the refusal Discord gives. A new message
   * (type 4) goes to `onBotMessage` like any the bot creates.
   */
  respond(interactionId: string, token: string, body: unknown, onBotMessage: (sent: BotMessage) => void): void {
    const interaction = this.pending.get(interactionId);
    if (!interaction || interaction.token !== token || this.now() - interaction.createdAt > INITIAL_RESPONSE_MS) throw apiError(404, 10062);
    if (interaction.acknowledged) throw apiError(400, 40060);
    const { type, data } = (body ?? {}) as { type?: unknown; data?: { content?: unknown; components?: unknown } };
    if (type === UPDATE_MESSAGE) {
      if (typeof data?.content === 'string') interaction.message.content = data.content;
      if (Array.isArray(data?.components)) interaction.message.components = data.components;
      interaction.message.edited_timestamp = new Date(this.now()).toISOString();
      this.events.emit('botMessageEdited', interaction.message);
    } else if (type === CHANNEL_MESSAGE_WITH_SOURCE) {
      const content = typeof data?.content === 'string' ? data.content : '';
      if (content.trim() === '') throw apiError(400, 50006);
      const message = messageObject({ id: this.state.ids.next(), channelId: interaction.message.channel_id, author: this.state.bot, content });
      onBotMessage({ message, recipientId: interaction.user.id });
    } else if (type !== DEFERRED_UPDATE_MESSAGE && type !== DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE) {
      throw invalidFormBody('type', 'BASE_TYPE_CHOICES', `Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.`);
    }
    interaction.acknowledged = true;
  }
}

/** The buttons of a message's action rows. */
export function buttonsOf(message: Pick<DcMessage, 'components'>): Button[] {
  return (message.components as { components?: Button[] }[]).flatMap((row) => row.components ?? []).filter((c) => c.type === BUTTON);
}
