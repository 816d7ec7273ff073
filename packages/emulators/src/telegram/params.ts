import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from './api-error.js';
import { isMultipartBody, registerMultipartParser, type UploadedFile } from '../shared/multipart.js';

/**
 * Bot API parameters arrive as a query string, JSON, form-urlencoded or multipart body (merged, body
 * wins). In a multipart body text parts are parameters and file parts uploads (read with `file`).
 */
export function registerBodyParsers(app: FastifyInstance): void {
  // Telegram accepts an empty JSON body (curl -X POST -H 'content-type: application/json').
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest("can't parse JSON object"), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  registerMultipartParser(app, (message) => badRequest(message));
}

/** Typed access to the parameters of one Bot API call. An empty string counts as absent, as on Telegram. */
export class BotApiParams {
  constructor(readonly values: Readonly<Record<string, unknown>>) {}

  static fromRequest(request: FastifyRequest): BotApiParams {
    const query = isRecord(request.query) ? request.query : {};
    if (isMultipartBody(request.body)) return new BotApiParams({ ...query, ...request.body.fields, ...request.body.files });
    if (request.body !== undefined && !isRecord(request.body)) {
      throw badRequest('parameters must be a JSON object');
    }
    return new BotApiParams({ ...query, ...request.body });
  }

  /** A file part of a multipart body. */
  file(name: string): UploadedFile | undefined {
    const value = this.raw(name);
    return typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).data) ? (value as UploadedFile) : undefined;
  }

  raw(name: string): unknown {
    const value = this.values[name];
    return value === '' || value === null ? undefined : value;
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined || typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw badRequest(`parameter "${name}" must be a string`);
  }

  integer(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isSafeInteger(number)) return number;
    throw badRequest(`parameter "${name}" must be an integer`);
  }

  boolean(name: string): boolean {
    const value = this.raw(name);
    if (value === undefined || value === false || value === 'false' || value === '0' || value === 0) return false;
    if (value === true || value === 'true' || value === '1' || value === 1) return true;
    throw badRequest(`parameter "${name}" must be a boolean`);
  }

  /** A list of strings, sent as an array (JSON body) or as a JSON-encoded array (query, form). */
  stringList(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let list: unknown = value;
    if (typeof value === 'string') {
      try {
        list = JSON.parse(value);
      } catch {
        list = undefined;
      }
    }
    if (Array.isArray(list) && list.every((item) => typeof item === 'string')) return list;
    throw badRequest(`parameter "${name}" must be a JSON array of strings`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
