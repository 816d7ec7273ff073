import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export const ATTACHMENTS_PATH = '/attachments';
/** Discord's default upload limit per file (https://discord.com/developers/docs/reference#uploading-files). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Discord does not publish how long a signed url lasts; a day is what clients see. */
export const DEFAULT_ATTACHMENT_URL_TTL_MS = 24 * 60 * 60_000;

/**
 * The emulator's CDN: the bytes of attachments users sent and the bot uploaded, served by path. Their
 * urls are signed as Discord's are (https://discord.com/developers/docs/reference#signed-attachment-cdn-urls):
 * `ex` (expiry) and `is` (issued) are unix seconds in hex, `hm` the signature. A url past its `ex`, or
 * without a valid signature, gets 404 "This content is no longer available." as from Discord's CDN.
 */
export class AttachmentStore {
  private readonly files = new Map<string, { data: Buffer; contentType: string }>();
  private readonly secret = randomBytes(32);

  constructor(private readonly ttlMs = DEFAULT_ATTACHMENT_URL_TTL_MS) {}

  /** Stores the file and returns its signed path below the emulator's origin. */
  put(channelId: string, attachmentId: string, filename: string, data: Buffer, contentType: string): string {
    const path = `${ATTACHMENTS_PATH}/${channelId}/${attachmentId}/${encodeURIComponent(filename)}`;
    this.files.set(path, { data, contentType });
    return this.signed(path);
  }

  get(path: string): { data: Buffer; contentType: string } | undefined {
    return this.files.get(path);
  }

  /** The url (any origin) signed anew from now; one that is not of a stored file comes back as it is. */
  signAnew(url: string): string {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    return parsed && this.files.has(parsed.pathname) ? `${parsed.origin}${this.signed(parsed.pathname)}` : url;
  }

  /** Whether `?ex&is&hm` sign the path and `ex` has not passed. */
  isValid(path: string, query: URLSearchParams): boolean {
    const ex = query.get('ex');
    const is = query.get('is');
    const hm = query.get('hm');
    if (!ex || !is || !hm) return false;
    const expected = Buffer.from(this.signature(path, ex, is));
    const given = Buffer.from(hm);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    return Number.parseInt(ex, 16) * 1000 > Date.now();
  }

  private signed(path: string): string {
    const now = Date.now();
    const is = Math.floor(now / 1000).toString(16);
    const ex = Math.floor((now + this.ttlMs) / 1000).toString(16);
    return `${path}?ex=${ex}&is=${is}&hm=${this.signature(path, ex, is)}&`;
  }

  private signature(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${ex}\n${is}`).digest('hex');
  }
}

export function registerAttachmentRoute(app: FastifyInstance, store: AttachmentStore): void {
  app.get(`${ATTACHMENTS_PATH}/*`, async (request, reply) => {
    const url = new URL(request.url, 'http://emulator');
    const file = store.get(url.pathname);
    if (!file || !store.isValid(url.pathname, url.searchParams)) return reply.code(404).type('text/plain').send('This content is no longer available.');
    return reply.type(file.contentType).send(file.data);
  });
}
