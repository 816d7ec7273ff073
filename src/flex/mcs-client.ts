import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { MediaFile } from '../core/messages.js';
import { fromHttpStatus, fromNetworkFailure, permanent, retryable } from '../core/delivery-error.js';
import { retryAfterMs } from './twilio-client.js';

export interface McsClientOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** As for the Twilio client: `https://{host}{path}` goes to `{apiBaseUrl}/{host}{path}`. */
  readonly apiBaseUrl?: string;
  /** For a whole upload or the start of a download; files take longer than API calls. */
  readonly timeoutMs?: number;
}

const MCS_HOST = 'mcs.us1.twilio.com';
const DEFAULT_TIMEOUT_MS = 120_000;

interface MediaResource {
  sid: string;
  content_type?: string;
  filename?: string | null;
  size?: number;
  links?: { content_direct_temporary?: string };
}

/**
 * Twilio's Media Content Service (https://www.twilio.com/docs/chat/rest/media), which twilio-node has no resource for: the raw
 * bytes go up in a streamed POST, and come down from the temporary link MCS hands out. Same
 * credentials and base-URL rewrite as the Twilio client. A repeated upload only leaves an unused file.
 */
export class McsClient {
  private readonly authorization: string;

  constructor(private readonly opts: McsClientOptions) {
    this.authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  }

  async upload(serviceSid: string, file: MediaFile): Promise<string> {
    const query = file.fileName ? `?Filename=${encodeURIComponent(file.fileName)}` : '';
    const path = `/v1/Services/${serviceSid}/Media${query}`;
    const response = await this.call('POST', path, {
      body: Readable.toWeb(file.stream) as ReadableStream<Uint8Array>,
      duplex: 'half',
      headers: { 'Content-Type': file.contentType },
    } as RequestInit);
    return ((await response.json()) as MediaResource).sid;
  }

  async download(serviceSid: string, mediaSid: string): Promise<MediaFile> {
    const response = await this.call('GET', `/v1/Services/${serviceSid}/Media/${mediaSid}`, {});
    const media = (await response.json()) as MediaResource;
    const link = media.links?.content_direct_temporary;
    if (!link) throw permanent(`MCS media ${mediaSid} has no content link`);
    // A pre-signed link: it carries its own authorization.
    const content = await fetchOrFail(link, { signal: AbortSignal.timeout(this.timeoutMs) }, `GET MCS content of ${mediaSid}`);
    if (!content.body) throw retryable(`MCS content of ${mediaSid} came without a body`);
    return {
      stream: Readable.fromWeb(content.body as WebReadableStream<Uint8Array>),
      contentType: media.content_type ?? content.headers.get('content-type') ?? 'application/octet-stream',
      ...(media.filename ? { fileName: media.filename } : {}),
      ...(media.size !== undefined ? { size: media.size } : {}),
    };
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private call(method: string, path: string, init: RequestInit): Promise<Response> {
    const url = this.opts.apiBaseUrl ? `${this.opts.apiBaseUrl}/${MCS_HOST}${path}` : `https://${MCS_HOST}${path}`;
    const headers = { ...(init.headers as Record<string, string>), Authorization: this.authorization, Accept: 'application/json' };
    return fetchOrFail(url, { ...init, method, headers, signal: AbortSignal.timeout(this.timeoutMs) }, `${method} ${MCS_HOST}${path.split('?')[0]}`);
  }
}

/** A response under 400, or a DeliveryError that names the request but never its URL's query (a signed link). */
async function fetchOrFail(url: string, init: RequestInit, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw fromNetworkFailure(err, what);
  }
  if (response.status < 400) return response;
  const body = (await response.json().catch(() => ({}))) as { code?: unknown; message?: unknown };
  const message = `${what} → ${response.status}${typeof body.message === 'string' ? `: ${body.message}` : ''}`;
  throw fromHttpStatus(response.status, message, {
    code: typeof body.code === 'number' ? body.code : undefined,
    retryAfterMs: retryAfterMs({ 'retry-after': response.headers.get('retry-after') ?? undefined }),
  });
}
