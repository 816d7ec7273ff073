import type { FastifyRequest } from 'fastify';
import { asFormParams, formBodyOf, type FormParams } from './form-body.js';
import type { ListRequest } from './paging.js';
import { splitEmulatorPath } from './request-log.js';
import type { Origin } from '../conversations/webhook-events.js';

/** Reading an emulated API request the way Twilio reads it. */

export function formOf(request: FastifyRequest): FormParams {
  return formBodyOf(request);
}

export function listRequestOf(request: FastifyRequest): ListRequest {
  const { host, path } = splitEmulatorPath(request.url);
  return { host, path, query: asFormParams(request.query) };
}

/** A REST action fires post-event webhooks only when asked to with `X-Twilio-Webhook-Enabled: true`. */
export function originOf(request: FastifyRequest): Origin {
  const header = request.headers['x-twilio-webhook-enabled'];
  return { kind: 'api', webhooksEnabled: typeof header === 'string' && header.toLowerCase() === 'true' };
}
