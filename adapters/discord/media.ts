import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Attachment, MediaFile } from '../../src/core/messages.js';
import { fromHttpStatus, fromNetworkFailure, permanent } from '../../src/core/delivery-error.js';
import { toDeliveryError } from './errors.js';

/** For the whole download, body included. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** Discord's default upload limit per file (https://discord.com/developers/docs/reference#uploading-files). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** A signed url with less left than this is refreshed first: the CDN checks `ex` when a download starts. */
const REFRESH_MARGIN_MS = 60_000;

/** A fresh signed url for an attachment url, or undefined when Discord no longer has the attachment. */
export type RefreshUrl = (url: string) => Promise<string | undefined>;

/**
 * Attachment urls are signed CDN links: they need no token, and none is sent. They expire
 * (https://discord.com/developers/docs/reference#signed-attachment-cdn-urls), and the url stored at
 * intake may be downloaded much later (a retry after a long Flex outage), so one that has expired or
 * is about to is refreshed first.
 */
export async function downloadAttachment(attachment: Attachment, refresh: RefreshUrl): Promise<MediaFile> {
  const url = expiresWithin(attachment.ref, REFRESH_MARGIN_MS) ? await refreshed(attachment.ref, refresh) : attachment.ref;
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

async function refreshed(url: string, refresh: RefreshUrl): Promise<string> {
  let fresh: string | undefined;
  try {
    fresh = await refresh(url);
  } catch (err) {
    throw toDeliveryError(err);
  }
  if (fresh === undefined) throw permanent('the discord attachment url expired and Discord gave no fresh one');
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
