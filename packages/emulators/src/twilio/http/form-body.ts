import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A form-encoded body or query: a key sent more than once (Twilio's array encoding) becomes an array. */
export type FormParams = Record<string, string | string[]>;

export function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else params[name] = [existing, value];
  }
  return params;
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });
}

/** Reads a parsed body or query, which may also be absent (GET, DELETE), JSON (a misbehaving client) or bytes (MCS). */
export function asFormParams(input: unknown): FormParams {
  if (input === null || typeof input !== 'object' || Buffer.isBuffer(input)) return {};
  const params: FormParams = {};
  for (const [name, value] of Object.entries(input)) {
    params[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return params;
}

/** The media type of a request's body, lower case without parameters; undefined when it sent none. */
export function bodyMediaType(request: FastifyRequest): string | undefined {
  if (request.body === undefined) return undefined;
  return request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
}

/**
 * The form fields of an API request. Twilio's operations take form bodies only: a body in another
 * encoding (JSON) carries no parameters, so its fields count as not sent, as clients that post JSON
 * to Twilio observe (their required parameters are reported missing).
 */
export function formBodyOf(request: FastifyRequest): FormParams {
  return bodyMediaType(request) === 'application/x-www-form-urlencoded' ? asFormParams(request.body) : {};
}

/** The first value sent for `name`. */
export function formValue(params: FormParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

export function formValues(params: FormParams, name: string): string[] {
  const value = params[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
