import { STATUS_CODES } from 'node:http';

/** An error the emulator answers in Twilio's REST error shape. */
export class TwilioApiError extends Error {
  override readonly name = 'TwilioApiError';

  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function twilioErrorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Twilio's generic codes follow the HTTP status: 20429, 20500, 20503, … */
export function defaultErrorCode(status: number): number {
  return 20000 + status;
}

export function defaultErrorMessage(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

export const notFound = (resourcePath: string) =>
  new TwilioApiError(404, 20404, `The requested resource ${resourcePath} was not found`);

export const missingParameter = (name: string) =>
  new TwilioApiError(400, 20001, `Missing required parameter ${name} in the post body`);

export const invalidParameter = (name: string, why: string) =>
  new TwilioApiError(400, 20001, `Invalid parameter ${name}: ${why}`);

/**
 * Twilio's generic 400 (https://www.twilio.com/docs/api/errors/400), whose documented causes include
 * "the resource you are trying to modify has moved into a state that is no longer valid".
 */
export const badRequest = (message: string) => new TwilioApiError(400, 400, message);

export const conversationClosed = () =>
  new TwilioApiError(409, 50377, "Can't update conversation as it's in final closed state");
