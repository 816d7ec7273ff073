/** A bad request from the control side (a test or a person driving the sandbox); `statusCode` is used by fastify. */
export class SandboxInputError extends Error {
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'SandboxInputError';
  }
}
