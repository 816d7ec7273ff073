import type { FileView } from './views.js';

/** A file in a message, with the bytes the emulator that carried it stored. */
export interface MessageFile {
  /** Unique across the emulators, e.g. `telegram-AgAC1…`. */
  readonly key: string;
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/** A file the customer or the agent sends from the page. */
export interface NewFile {
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
  /** The text sent with it, if any. */
  readonly caption?: string;
}

/** The files the console has shown, by key: the page loads them from `GET /api/files/:key`. */
export class FileShelf {
  private readonly files = new Map<string, MessageFile>();

  shelve(file: MessageFile): FileView {
    this.files.set(file.key, file);
    return { url: `/api/files/${encodeURIComponent(file.key)}`, name: file.name, contentType: file.contentType, size: file.data.length };
  }

  open(key: string): MessageFile | undefined {
    return this.files.get(key);
  }
}
