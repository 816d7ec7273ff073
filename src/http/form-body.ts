import type { FastifyInstance } from 'fastify';
import type { WebhookParams } from '../flex/backend.js';

/** Names that would reach an object's prototype instead of a field; no Twilio webhook has them. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Twilio posts application/x-www-form-urlencoded; repeated keys become arrays, as Twilio signs them.
 * A prototype key is refused (400) before anything reads the parameters.
 */
export function parseForm(body: string): WebhookParams {
  const params: WebhookParams = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (PROTOTYPE_KEYS.has(name)) throw Object.assign(new Error(`form field ${name} is not accepted`), { statusCode: 400 });
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
