import type { InteractionChannelRecord, InteractionRecord } from '../state.js';

/** Flex Interactions v1 resources in Twilio's JSON shape (https://www.twilio.com/docs/flex/developer/conversations/interactions-api). */

const BASE_URL = 'https://flex-api.twilio.com/v1';

export function interactionJson(interaction: InteractionRecord) {
  const url = `${BASE_URL}/Interactions/${interaction.sid}`;
  return {
    sid: interaction.sid,
    channel: { ...interaction.channel, sid: interaction.channels[0]?.sid ?? null },
    routing: interaction.routing,
    url,
    links: { channels: `${url}/Channels` },
    interaction_context_sid: null,
    webhook_ttid: null,
  };
}

export function interactionChannelJson(channel: InteractionChannelRecord) {
  const url = `${BASE_URL}/Interactions/${channel.interactionSid}/Channels/${channel.sid}`;
  return {
    sid: channel.sid,
    interaction_sid: channel.interactionSid,
    type: channel.type,
    status: channel.status,
    error_code: channel.errorCode,
    error_message: channel.errorMessage,
    url,
    links: {
      participants: `${url}/Participants`,
      invites: `${url}/Invites`,
      transfers: `${url}/Transfers`,
    },
  };
}
