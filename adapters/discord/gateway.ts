import { WebSocketManager } from '@discordjs/ws';
import type { REST } from '@discordjs/rest';
import { GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewaySessionKeeper } from './session-keeper.js';

/**
 * The gateway connection that receives DMs (https://discord.com/developers/docs/events/gateway), through @discordjs/ws, the gateway
 * library inside discord.js. Not a discord.js `Client`: a Client that resumes a session another process
 * began never becomes ready (it waits for a READY that a resume does not send) and holds back every
 * event, so the session could not move between processes. Sending is REST (rest-sender.ts).
 */
export function createGateway(opts: { token: string; rest: REST; keeper: GatewaySessionKeeper }): WebSocketManager {
  const { token, rest, keeper } = opts;
  return new WebSocketManager({
    token,
    // DMs only. DirectMessages is not privileged, and Discord includes the content of DMs without
    // the privileged MessageContent intent, so the bot needs nothing switched on in the portal.
    intents: GatewayIntentBits.DirectMessages,
    // Only GET /gateway/bot goes through this REST client.
    rest,
    retrieveSessionInfo: (shardId) => keeper.retrieve(shardId),
    updateSessionInfo: (shardId, info) => keeper.update(shardId, info),
  });
}
