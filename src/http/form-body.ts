import type { FastifyInstance } from 'fastify';
import type { WebhookParams } from '../flex/backend.js';

/** Twilio posts application/x-www-form-urlencoded; repeated keys become arrays, as Twilio signs them. */
export function parseForm(body: string): WebhookParams {
  const params: WebhookParams = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });
}
