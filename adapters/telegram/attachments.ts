import type { Message } from 'telegraf/types';
import type { Attachment } from '../../src/core/messages.js';

/** Content types Telegram does not state for these kinds (photos are JPEG, voice notes OGG/Opus, round videos MP4). */
export const DEFAULT_CONTENT_TYPES: Record<Attachment['kind'], string> = {
  photo: 'image/jpeg',
  document: 'application/octet-stream',
  voice: 'audio/ogg',
  audio: 'audio/mpeg',
  video: 'video/mp4',
  video_note: 'video/mp4',
  animation: 'video/mp4',
  file: 'application/octet-stream',
};

interface TelegramFile {
  file_id: string;
  file_size?: number;
  file_name?: string;
  mime_type?: string;
}

/** The file a message carries: the largest photo size, or the document, voice note, video, …; `ref` is its file_id. */
export function attachmentOf(message: Message): Attachment | undefined {
  if ('photo' in message && message.photo.length > 0) {
    const largest = message.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return fileAttachment('photo', largest);
  }
  // An animation also sets `document` (for old clients): look at it first.
  for (const kind of ['animation', 'video_note', 'video', 'voice', 'audio', 'document'] as const) {
    if (kind in message) return fileAttachment(kind, (message as unknown as Record<string, TelegramFile>)[kind] as TelegramFile);
  }
  return undefined;
}

function fileAttachment(kind: Attachment['kind'], file: TelegramFile): Attachment {
  return {
    kind,
    ref: file.file_id,
    contentType: file.mime_type ?? DEFAULT_CONTENT_TYPES[kind],
    ...(file.file_name !== undefined ? { fileName: file.file_name } : {}),
    ...(file.file_size !== undefined ? { size: file.file_size } : {}),
  };
}
