const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Real-looking snowflakes: discord.js reads a message's `createdAt` from its id, so ids carry the
 * current time. Strictly increasing within one factory.
 */
export class Snowflakes {
  private last = 0n;

  next(): string {
    const candidate = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    this.last = candidate > this.last ? candidate : this.last + 1n;
    return this.last.toString();
  }
}

/** When the snowflake was made, as Discord (and discord.js's `createdAt`) reads it. */
export function snowflakeTime(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH));
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}$/.test(value);
}
