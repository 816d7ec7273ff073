/** A Discord REST failure: `{code, message, errors?}` (or a rate-limit body) with its HTTP status and headers. */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
    readonly headers: Record<string, string> = {},
    private readonly body?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DiscordApiError';
  }

  toBody(): Record<string, unknown> {
    return this.body ?? { message: this.message, code: this.code, ...(this.errors !== undefined ? { errors: this.errors } : {}) };
  }
}

/** Discord's wording for the JSON error codes the emulator produces (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes). */
export const ERROR_MESSAGES: Record<number, string> = {
  0: 'General error',
  10003: 'Unknown Channel',
  10008: 'Unknown Message',
  10013: 'Unknown User',
  10062: 'Unknown interaction',
  40060: 'Interaction has already been acknowledged',
  50001: 'Missing Access',
  50006: 'Cannot send an empty message',
  50007: 'Cannot send messages to this user',
  50013: 'Missing Permissions',
  50035: 'Invalid Form Body',
  50109: 'The request body contains invalid JSON.',
  50278: 'Cannot send messages to this user due to having no mutual guilds',
};

export const apiError = (status: number, code: number, errors?: unknown) =>
  new DiscordApiError(status, code, ERROR_MESSAGES[code] ?? 'General error', errors);

export const unauthorized = () => new DiscordApiError(401, 0, '401: Unauthorized');
export const notFound = () => new DiscordApiError(404, 0, '404: Not Found');

/** 400 50035 with Discord's per-field detail, e.g. `{content: {_errors: [{code, message}]}}`. */
export function invalidFormBody(field: string, code: string, message: string): DiscordApiError {
  return apiError(400, 50035, { [field]: { _errors: [{ code, message }] } });
}
