import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Attachment, MediaFile } from '../../src/core/messages.js';
import { fromHttpStatus, fromNetworkFailure, permanent } from '../../src/core/delivery-error.js';
import { decodeAttachmentRef, type AttachmentSource } from './attachment-ref.js';
import { toDeliveryError } from './errors.js';

/** For the whole download, body included. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** Discord's default upload limit per file (https://discord.com/developers/docs/reference#uploading-files). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** A signed url with less left than this is signed anew first: the CDN checks `ex` when a download starts. */
const RESIGN_MARGIN_MS = 60_000;

/** The attachment's url as Discord signs it now, or undefined when its message no longer has it. */
export type UrlSignedAnew = (source: AttachmentSource) => Promise<string | undefined>;

/**
 * Attachment urls are signed CDN links: they need no token, and none is sent. They expire, and the
 * url stored at intake may be downloaded much later (a retry after a long Flex outage), so one that
 * has expired or is about to is replaced first by the url of a payload fetched now: Discord's urls
 * are valid when an app receives them (https://discord.com/developers/docs/reference#signed-attachment-cdn-urls).
 * A ref stored before refs carried the message is downloaded as it is.
 */
export async function downloadAttachment(attachment: Attachment, signAnew: UrlSignedAnew): Promise<MediaFile> {
  const { url: stored, source } = decodeAttachmentRef(attachment.ref);
  const url = source && expiresWithin(stored, RESIGN_MARGIN_MS) ? await freshUrl(source, signAnew) : stored;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (err) {
    throw fromNetworkFailure(err, 'discord attachment download');
  }
  if (!response.ok || !response.body) {
    // An expired or deleted attachment stays gone.
    throw fromHttpStatus(response.status, `discord attachment download answered ${response.status}`);
  }
  return {
    stream: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    contentType: attachment.contentType ?? response.headers.get('content-type') ?? 'application/octet-stream',
    ...(attachment.fileName !== undefined ? { fileName: attachment.fileName } : {}),
    ...(attachment.size !== undefined ? { size: attachment.size } : {}),
  };
}

/** Whether the url's `ex` (unix seconds, hex) comes within `marginMs` from now; a url without one does not expire. */
function expiresWithin(url: string, marginMs: number): boolean {
  const ex = URL.canParse(url) ? new URL(url).searchParams.get('ex') : null;
  const expiresAt = ex === null ? Number.NaN : Number.parseInt(ex, 16) * 1000;
  return !Number.isNaN(expiresAt) && expiresAt - Date.now() < marginMs;
}

async function freshUrl(source: AttachmentSource, signAnew: UrlSignedAnew): Promise<string> {
  let fresh: string | undefined;
  try {
    fresh = await signAnew(source);
  } catch (err) {
    // A deleted message answers 404 10008: permanent, as is every 4xx but 401 and 429.
    throw toDeliveryError(err);
  }
  if (fresh === undefined) throw permanent('the discord attachment url expired and its message no longer has the attachment');
  return fresh;
}

/** discord.js uploads a file from memory; the bridge lets only files within MAX_FILE_BYTES through. */
export async function readAll(file: MediaFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of file.stream) {
    length += (chunk as Buffer).length;
    if (length > MAX_FILE_BYTES) {
      file.stream.destroy();
      throw permanent(`the file is over Discord's ${MAX_FILE_BYTES} byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
