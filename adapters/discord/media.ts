import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Attachment, MediaFile } from '../../src/core/messages.js';
import { fromHttpStatus, fromNetworkFailure, permanent } from '../../src/core/delivery-error.js';

/** For the whole download, body included. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** Discord's default upload limit per file (https://discord.com/developers/docs/reference#uploading-files). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Attachment urls are signed CDN links: they need no token, and none is sent. */
export async function downloadAttachment(attachment: Attachment): Promise<MediaFile> {
  let response: Response;
  try {
    response = await fetch(attachment.ref, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
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
