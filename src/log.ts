import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { logLineScrubber } from './log-scrub.js';

export type { Logger };

/**
 * pino whose every line is scrubbed of credentials before it is written: telegraf puts the bot token
 * in URLs (its errors' stacks keep it), and an upstream error may echo a credential. Never log
 * message bodies at info.
 */
export function createLogger(opts: {
  level: string;
  secrets: readonly (string | undefined)[];
  pretty?: boolean;
  destination?: DestinationStream;
}): Logger {
  const scrub = logLineScrubber(opts.secrets);
  // pino-pretty runs in this process (not as a transport thread), so it only ever sees scrubbed lines.
  const target = opts.destination ?? (opts.pretty ? pretty({ colorize: true }) : pino.destination(1));
  return pino({ level: opts.level, base: undefined }, { write: (line: string) => target.write(scrub(line)) });
}
