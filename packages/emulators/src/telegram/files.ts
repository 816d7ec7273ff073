import { randomBytes } from 'node:crypto';

/** What a file is on Telegram's side: the kinds a message can carry one of. */
export type FileKind = 'photo' | 'document' | 'voice' | 'audio' | 'video' | 'video_note' | 'animation';

/** A file a customer sends from the control side. */
export interface CustomerFile {
  kind: FileKind;
  data: Buffer;
  fileName?: string;
  /** Default by kind: image/jpeg, application/octet-stream, audio/ogg, audio/mpeg, video/mp4. */
  mimeType?: string;
  caption?: string;
}

export interface StoredFile {
  readonly fileId: string;
  readonly fileUniqueId: string;
  readonly filePath: string;
  readonly kind: FileKind;
  readonly fileName?: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

/** getFile serves files up to 20 MB to bots (https://core.telegram.org/bots/api#getfile). */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

const FOLDERS: Record<FileKind, string> = {
  photo: 'photos',
  document: 'documents',
  voice: 'voice',
  audio: 'music',
  video: 'videos',
  video_note: 'video_notes',
  animation: 'animations',
};

/** The emulator's file storage: what customers sent and what the bot uploaded, by file_id and by file_path. */
export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  private count = 0;

  add(kind: FileKind, data: Buffer, mimeType: string, fileName?: string): StoredFile {
    const n = ++this.count;
    const extension = /\.([\w]+)$/.exec(fileName ?? '')?.[1] ?? mimeType.split('/')[1]?.replace(/\W/g, '') ?? 'bin';
    const file: StoredFile = {
      fileId: `AgAC${n}${randomBytes(12).toString('base64url')}`,
      fileUniqueId: `AQAD${n}${randomBytes(4).toString('hex')}`,
      filePath: `${FOLDERS[kind]}/file_${n}.${extension}`,
      kind,
      mimeType,
      data,
      ...(fileName !== undefined ? { fileName } : {}),
    };
    this.byId.set(file.fileId, file);
    this.byPath.set(file.filePath, file);
    return file;
  }

  byFileId(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  byFilePath(filePath: string): StoredFile | undefined {
    return this.byPath.get(filePath);
  }
}

/** The message field Telegram puts a file of `kind` in (`photo` is an array of sizes; one size here). */
export function messageFieldOf(file: StoredFile): Record<string, unknown> {
  const ids = { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.data.length };
  const named = file.fileName !== undefined ? { file_name: file.fileName } : {};
  switch (file.kind) {
    case 'photo':
      return { photo: [{ ...ids, width: 1280, height: 960 }] };
    case 'voice':
      return { voice: { ...ids, duration: 1, mime_type: file.mimeType } };
    case 'video_note':
      return { video_note: { ...ids, length: 240, duration: 1 } };
    case 'audio':
    case 'document':
      return { [file.kind]: { ...ids, ...named, mime_type: file.mimeType, ...(file.kind === 'audio' ? { duration: 1 } : {}) } };
    case 'video':
      return { video: { ...ids, ...named, width: 640, height: 480, duration: 1, mime_type: file.mimeType } };
    case 'animation': {
      // Telegram sets `document` alongside `animation` for backward compatibility.
      const animation = { ...ids, ...named, width: 320, height: 240, duration: 1, mime_type: file.mimeType };
      return { animation, document: { ...ids, ...named, mime_type: file.mimeType } };
    }
  }
}
