import { randomBytes } from 'node:crypto';
import { TwilioApiError } from '../http/errors.js';
import { newSid } from '../sids.js';
import type { MediaRecord } from '../state.js';

/** A file in the Media Content Service, with its bytes. */
export interface StoredMedia extends MediaRecord {
  readonly serviceSid: string;
  readonly data: Buffer;
  readonly dateCreated: Date;
  /** Part of the temporary content URL: whoever has the URL may read the file, without credentials. */
  readonly accessKey: string;
}

/** Twilio's Programmable Chat documents 150 MB per media file. */
export const MAX_MEDIA_BYTES = 150 * 1024 * 1024;

/** MCS: media uploaded for a chat service (`ME…`), which messages then refer to by `MediaSid`. */
export class MediaStore {
  private readonly media = new Map<string, StoredMedia>();

  add(serviceSid: string, contentType: string, data: Buffer, filename: string | null): StoredMedia {
    if (data.length === 0) throw new TwilioApiError(400, 20001, 'Invalid media: the body is empty');
    if (data.length > MAX_MEDIA_BYTES) throw new TwilioApiError(413, 20413, 'Media exceeds the maximum size');
    const stored: StoredMedia = {
      sid: newSid('ME'),
      serviceSid,
      contentType,
      filename,
      size: data.length,
      data,
      dateCreated: new Date(),
      accessKey: randomBytes(16).toString('hex'),
    };
    this.media.set(stored.sid, stored);
    return stored;
  }

  get(sid: string): StoredMedia | undefined {
    return this.media.get(sid);
  }

  /** What a message carries about its media (no bytes). */
  record(sid: string): MediaRecord | undefined {
    const stored = this.media.get(sid);
    return stored && { sid: stored.sid, contentType: stored.contentType, filename: stored.filename, size: stored.size };
  }
}
