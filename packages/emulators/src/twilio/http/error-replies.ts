import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { defaultErrorCode, defaultErrorMessage, TwilioApiError, twilioErrorBody } from './errors.js';

/** Every error the emulator answers, API or control route, goes out in Twilio's error shape. */
export function replyWithError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof TwilioApiError) {
    const body = twilioErrorBody(error.status, error.code, error.message);
    return reply.code(error.status).headers(error.headers).send(body);
  }
  if (error instanceof z.ZodError) {
    return reply.code(400).send(twilioErrorBody(400, 20001, z.prettifyError(error)));
  }
  const status = statusOf(error);
  const message = status === 500 || !(error instanceof Error) ? defaultErrorMessage(status) : error.message;
  return reply.code(status).send(twilioErrorBody(status, defaultErrorCode(status), message));
}

/** Fastify's own errors (unparsable body, unsupported media type) carry their HTTP status. */
function statusOf(error: unknown): number {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
