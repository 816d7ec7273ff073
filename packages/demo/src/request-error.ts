/** Something the page asked for cannot be done; `statusCode` is the HTTP status the console answers with. */
export class ConsoleRequestError extends Error {
  override readonly name = 'ConsoleRequestError';

  constructor(
    readonly statusCode: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}
