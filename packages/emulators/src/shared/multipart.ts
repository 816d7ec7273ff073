import type { FastifyInstance } from 'fastify';

/** A file part of a `multipart/form-data` body. */
export interface UploadedFile {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}

export interface MultipartBody {
  /** Text parts by name (the last one wins when a name repeats). */
  readonly fields: Record<string, string>;
  /** File parts (those with a `filename`) by name. */
  readonly files: Record<string, UploadedFile>;
}

export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

/**
 * A small `multipart/form-data` reader for the emulators (no dependency): the whole body is in
 * memory, which is fine for test-sized files. Real clients (telegraf, discord.js) send CRLF framing.
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartBody {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw new MultipartError('multipart body without a boundary');
  const delimiter = Buffer.from(`--${marker}`);
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  let start = body.indexOf(delimiter);
  if (start === -1) throw new MultipartError('multipart body without its boundary');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) throw new MultipartError('multipart body is not terminated');
    const part = body.subarray(start + 2, next - 2); // the CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) throw new MultipartError('multipart part without headers');
    const headers = parseHeaders(part.subarray(0, headerEnd).toString('utf8'));
    const data = part.subarray(headerEnd + 4);
    const disposition = headers['content-disposition'] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new MultipartError('multipart part without a name');
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename === undefined) fields[name] = data.toString('utf8');
    else files[name] = { filename, contentType: headers['content-type'] ?? 'application/octet-stream', data: Buffer.from(data) };
    start = next;
  }
  return { fields, files };
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Registers a parser that hands routes a `MultipartBody`; a malformed body fails with `onError`'s error. */
export function registerMultipartParser(app: FastifyInstance, onError: (message: string) => Error, bodyLimit = 60 * 1024 * 1024): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    try {
      done(null, parseMultipart(body as Buffer, request.headers['content-type']));
    } catch (err) {
      done(onError(err instanceof Error ? err.message : String(err)), undefined);
    }
  });
}

export function isMultipartBody(value: unknown): value is MultipartBody {
  return typeof value === 'object' && value !== null && 'fields' in value && 'files' in value;
}
