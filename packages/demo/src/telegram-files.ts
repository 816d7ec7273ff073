import type { TelegramEmulator } from '@flex-bridge/emulators';
import type { TgMessage } from '@flex-bridge/emulators';
import type { MessageFile } from './files.js';

/** The message fields that carry a file; `animation` comes with a `document` copy, so it goes first. */
const FILE_FIELDS = ['photo', 'animation', 'document', 'voice', 'audio', 'video', 'video_note'] as const;

/** The file a Telegram message carries (none or one), with the bytes the emulator stored for it. */
export function telegramFilesOf(emulator: TelegramEmulator, message: TgMessage): MessageFile[] {
  const found = fileOf(message);
  const stored = found && emulator.file(found.fileId);
  if (!found || !stored) return [];
  const name = stored.fileName ?? stored.filePath.split('/').at(-1) ?? found.fileId;
  // A photo is a picture whatever type its upload was labelled with (bots' multipart parts often say
  // application/octet-stream); Telegram serves photos as JPEG.
  const contentType = found.field === 'photo' && !stored.mimeType.startsWith('image/') ? 'image/jpeg' : stored.mimeType;
  return [{ key: `telegram-${found.fileId}`, name, contentType, data: stored.data }];
}

function fileOf(message: TgMessage): { field: (typeof FILE_FIELDS)[number]; fileId: string } | undefined {
  for (const field of FILE_FIELDS) {
    const value = message[field];
    // `photo` is the sizes of one picture, largest last.
    const file = (Array.isArray(value) ? value.at(-1) : value) as { file_id?: unknown } | undefined;
    if (typeof file?.file_id === 'string') return { field, fileId: file.file_id };
  }
  return undefined;
}
