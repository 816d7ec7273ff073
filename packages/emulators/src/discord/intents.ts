/** Gateway intent bits the emulator looks at (https://discord.com/developers/docs/events/gateway#list-of-intents). */
export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;

/** Intents an app must switch on in the developer portal before it may ask for them (else close 4014). */
export const PRIVILEGED_INTENTS = Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent;

export function hasIntent(intents: number, bit: number): boolean {
  return (intents & bit) === bit;
}
