import { BotApiError, badRequest } from './api-error.js';
import { ok, type MethodHandler } from './bot-context.js';
import { MAX_DOWNLOAD_BYTES, messageFieldOf, type FileKind } from './files.js';
import { readPhoto } from './read-photo.js';
import { assertBotMayWrite, codePoints, requireChatId, resolveChat } from './methods-messages.js';
import { unixSeconds } from './ids.js';
import type { TgMessage } from './types.js';

const MAX_CAPTION_LENGTH = 1024;
/** Multipart upload limits (https://core.telegram.org/bots/api#sending-files). */
const MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** sendPhoto: "The photo's width and height must not exceed 10000 in total. Width and height ratio must be at most 20." */
const MAX_PHOTO_SIDES = 10_000;
const MAX_PHOTO_RATIO = 20;

/** `getFile`: the path to download from `/file/bot<token>/<file_path>`; over 20 MB Telegram refuses. */
export const getFile: MethodHandler = ({ params }, { files }) => {
  const fileId = params.string('file_id');
  if (fileId === undefined) throw badRequest('file_id is empty');
  const file = files.byFileId(fileId);
  if (!file) throw badRequest('invalid file_id');
  if (file.data.length > MAX_DOWNLOAD_BYTES) throw badRequest('file is too big');
  return ok({ file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.data.length, file_path: file.filePath });
};

/** sendPhoto, sendDocument, …: the file is a multipart upload or a file_id the emulator knows. */
function sendFile(kind: FileKind & ('photo' | 'document' | 'voice' | 'video')): MethodHandler {
  return ({ params }, { state, events, files, now, floodControl }) => {
    requireChatId(params);
    const chat = resolveChat(params, state);
    const upload = params.file(kind);
    const fileId = upload ? undefined : params.string(kind);
    if (!upload && fileId === undefined) throw badRequest(`there is no ${kind} in the request`);
    const caption = params.string('caption');
    if (caption !== undefined && codePoints(caption) > MAX_CAPTION_LENGTH) throw badRequest('message caption is too long');
    assertBotMayWrite(chat, state);

    let stored;
    if (upload) {
      const limit = kind === 'photo' ? MAX_PHOTO_UPLOAD_BYTES : MAX_UPLOAD_BYTES;
      if (upload.data.length > limit) throw new BotApiError(413, 'Request Entity Too Large');
      if (kind === 'photo') assertTakesPhoto(upload.data);
      floodControl.take(chat.id);
      stored = files.add(kind, upload.data, upload.contentType, kind === 'photo' ? undefined : upload.filename);
    } else {
      stored = files.byFileId(fileId as string);
      if (!stored) throw badRequest('wrong file identifier/HTTP URL specified');
      floodControl.take(chat.id);
    }
    const message: TgMessage = {
      message_id: state.nextMessageId(chat.id),
      from: { ...state.bot },
      chat,
      date: unixSeconds(now()),
      ...messageFieldOf({ ...stored, kind }),
      ...(caption !== undefined ? { caption } : {}),
    };
    state.recordBotMessage(message);
    events.emit('botMessage', message);
    return ok(message);
  };
}

/**
 * Telegram decodes an uploaded photo: bytes that are no picture are `IMAGE_PROCESS_FAILED`, and
 * width + height over 10000 or a side over 20 times the other `PHOTO_INVALID_DIMENSIONS`
 * (https://core.telegram.org/bots/api#sendphoto). A bot sends such a file with sendDocument instead.
 */
function assertTakesPhoto(data: Buffer): void {
  const photo = readPhoto(data);
  if (!photo) throw badRequest('IMAGE_PROCESS_FAILED');
  const { width, height } = photo;
  if (width === undefined) return;
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (width + height > MAX_PHOTO_SIDES || ratio > MAX_PHOTO_RATIO) throw badRequest('PHOTO_INVALID_DIMENSIONS');
}

export const sendPhoto = sendFile('photo');
export const sendDocument = sendFile('document');
export const sendVoice = sendFile('voice');
export const sendVideo = sendFile('video');
