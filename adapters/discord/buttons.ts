import {
  ButtonStyle,
  ComponentType,
  InteractionType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIInteraction,
} from 'discord-api-types/v10';
import type { Choice, InboundMessage } from '../../src/core/messages.js';

/** Discord puts at most 5 buttons in an action row (https://discord.com/developers/docs/components/reference#action-row). */
const BUTTONS_PER_ROW = 5;

/** The choices as rows of buttons; a click comes back as an INTERACTION_CREATE with the button's `custom_id`. */
export function actionRows(choices: readonly Choice[]): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const rows: APIActionRowComponent<APIButtonComponentWithCustomId>[] = [];
  for (let i = 0; i < choices.length; i += BUTTONS_PER_ROW) {
    rows.push({
      type: ComponentType.ActionRow,
      components: choices.slice(i, i + BUTTONS_PER_ROW).map((choice) => ({
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        label: choice.label,
        custom_id: choice.id,
      })),
    });
  }
  return rows;
}

/** A click on a button of the bot's DM, to store and then answer with the interaction's token. */
export interface ButtonClick {
  readonly message: InboundMessage;
  readonly interactionId: string;
  readonly token: string;
}

/**
 * A message-component interaction in a DM (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object):
 * the button's `custom_id` is the choice, its label the text. The interaction id is unique, so one
 * replayed on a resumed session is a duplicate.
 */
export function buttonClickOf(interaction: APIInteraction): ButtonClick | undefined {
  if (interaction.type !== InteractionType.MessageComponent || interaction.guild_id !== undefined || !interaction.user) return undefined;
  const { user, data, message } = interaction;
  if (data.component_type !== ComponentType.Button) return undefined;
  const label = labelOf(message.components as readonly { components?: readonly { custom_id?: string; label?: string }[] }[] | undefined, data.custom_id);
  return {
    interactionId: interaction.id,
    token: interaction.token,
    message: {
      network: 'discord',
      externalUserId: user.id,
      externalChatId: interaction.channel?.id ?? message.channel_id,
      username: user.username,
      displayName: user.global_name ?? user.username,
      externalMessageId: `interaction:${interaction.id}`,
      text: label ?? data.custom_id,
      attachments: [],
      sentAt: new Date().toISOString(),
      choice: data.custom_id,
    },
  };
}

function labelOf(rows: readonly { components?: readonly { custom_id?: string; label?: string }[] }[] | undefined, customId: string): string | undefined {
  return rows?.flatMap((row) => row.components ?? []).find((component) => component.custom_id === customId)?.label;
}
