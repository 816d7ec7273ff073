/** A Bot API failure: `{"ok":false,"error_code":…,"description":…,"parameters"?:…}`. */
export class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
    /** HTTP status; Telegram usually answers with the same number as `error_code`. */
    readonly httpStatus: number = errorCode,
  ) {
    super(description);
    this.name = 'BotApiError';
  }

  toBody(): Record<string, unknown> {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

export const badRequest = (detail: string) => new BotApiError(400, `Bad Request: ${detail}`);
export const forbidden = (detail: string) => new BotApiError(403, `Forbidden: ${detail}`);
export const conflict = (detail: string) => new BotApiError(409, `Conflict: ${detail}`);
export const unauthorized = () => new BotApiError(401, 'Unauthorized');
export const methodNotFound = () => new BotApiError(404, 'Not Found: method not found');
