/**
 * Wire-level emulators of the Telegram Bot API, Discord (REST and gateway) and Twilio (Conversations,
 * Flex Interactions, TaskRouter, Studio, the Media Content Service and legacy Flex Channels +
 * Programmable Chat), for running flex-bridge with no account and no network.
 */
export { SANDBOX_CREDENTIALS, startSandbox, type Sandbox } from './sandbox.js';
export { freePort, freePorts } from './shared/free-port.js';
export { sampleJpeg, samplePng } from './shared/sample-images.js';
export { prng } from './shared/prng.js';

export { TelegramEmulator, type TelegramEmulatorOptions } from './telegram/emulator.js';
export type { SendRateLimits } from './telegram/flood-control.js';
export type { CustomerFile, FileKind } from './telegram/files.js';
export type { TelegramEmulatorEventMap, TgMessage, TgUpdate, TgUser } from './telegram/types.js';

export { DiscordEmulator, type DiscordEmulatorOptions } from './discord/emulator.js';
export { dispatched, nextGatewayEvent, recordGateway } from './discord/gateway-observers.js';
export { Intents } from './discord/intents.js';
export type { DiscordRateLimits } from './discord/rate-limits.js';
export type { DcMessage, DcUser, GatewayEvent } from './discord/types.js';

export * from './twilio/emulator.js';
export { twilioSignature } from './twilio/http/signature.js';
export { MCS_HOST } from './twilio/mcs/mcs-api.js';
