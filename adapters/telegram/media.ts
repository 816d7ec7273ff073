import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { TelegramError, type Telegraf } from 'telegraf';
import type { Message } from 'telegraf/types';
import type { Attachment, MediaFile } from '../../src/core/messages.js';
import { fromHttpStatus, fromNetworkFailure, permanent } from '../../src/core/delivery-error.js';
import { toDeliveryError } from './errors.js';

/** For the whole download, body included. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** Multipart upload limits for bots (https://core.telegram.org/bots/api#sending-files): photos 10 MB, anything else 50 MB. */
export const MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const MAX_CAPTION_LENGTH = 1024;

const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * getFile, then a streamed GET of `/file/bot<token>/<file_path>`. That URL holds the bot token: it
 * is built here, used once, and never logged or put into an error.
 */
export async function downloadFile(bot: Telegraf, token: string, apiRoot: string, attachment: Attachment): Promise<MediaFile> {
  let filePath: string | undefined;
  try {
    filePath = (await bot.telegram.getFile(attachment.ref)).file_path;
  } catch (err) {
    throw toDeliveryError(err);
  }
  if (!filePath) throw permanent('telegram getFile gave no file_path');
  const root = apiRoot.endsWith('/') ? apiRoot : `${apiRoot}/`;
  let response: Response;
  try {
    response = await fetch(new URL(`./file/bot${token}/${filePath}`, root), { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (err) {
    throw fromNetworkFailure(err, 'telegram file download');
  }
  if (!response.ok || !response.body) {
    throw fromHttpStatus(response.status, `telegram file download answered ${response.status}`);
  }
  return {
    stream: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    contentType: attachment.contentType ?? 'application/octet-stream',
    fileName: attachment.fileName ?? basename(filePath),
    ...(attachment.size !== undefined ? { size: attachment.size } : {}),
  };
}

/**
 * Uploads the file by multipart with the method that shows it best: photo, voice note, video, or
 * else a document (also a photo over the 10 MB photo limit). No `reply_parameters`: telegraf 4.16.3
 * silently drops plain-object fields from multipart requests (https://github.com/telegraf/telegraf/issues/1970).
 */
export async function sendFile(bot: Telegraf, chatId: string, file: MediaFile, caption: string, asDocument = false): Promise<Message> {
  const input = { source: file.stream, filename: file.fileName ?? 'file' };
  const extra = caption === '' ? {} : { caption };
  const type = file.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (asDocument) return bot.telegram.sendDocument(chatId, input, extra);
  if (PHOTO_TYPES.has(type) && (file.size ?? 0) <= MAX_PHOTO_UPLOAD_BYTES) return bot.telegram.sendPhoto(chatId, input, extra);
  if (type === 'audio/ogg') return bot.telegram.sendVoice(chatId, input, extra);
  if (type === 'video/mp4') return bot.telegram.sendVideo(chatId, input, extra);
  return bot.telegram.sendDocument(chatId, input, extra);
}

/**
 * sendPhoto's refusal of the picture itself (https://core.telegram.org/bots/api#sendphoto: "width and
 * height must not exceed 10000 in total, ratio at most 20"), e.g. `PHOTO_INVALID_DIMENSIONS`,
 * `IMAGE_PROCESS_FAILED`: the same file goes through as a document.
 */
export function isRefusedPhoto(err: unknown): boolean {
  return err instanceof TelegramError && err.code === 400 && /PHOTO|IMAGE/.test(err.description);
}
