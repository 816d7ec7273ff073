import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * pino with every configured secret scrubbed from messages and errors: telegraf puts the bot token
 * in URLs, and an upstream error message may echo a credential. Never log message bodies at info.
 */
export function createLogger(opts: {
  level: string;
  secrets: readonly (string | undefined)[];
  pretty?: boolean;
  destination?: DestinationStream;
}): Logger {
  const secrets = opts.secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const scrub = (text: string) => secrets.reduce((t, s) => (t.includes(s) ? t.split(s).join('[REDACTED]') : t), text);
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: undefined,
    redact: {
      paths: ['*.token', '*.authToken', '*.password', '*.secret', 'headers.authorization', '*.headers.authorization'],
      censor: '[REDACTED]',
    },
    serializers: {
      err: (err: unknown) => {
        const s = pino.stdSerializers.err(err as Error);
        return JSON.parse(scrub(JSON.stringify(s))) as typeof s;
      },
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(options);
}
