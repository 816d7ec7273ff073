import type { FastifyInstance } from 'fastify';

export const ATTACHMENTS_PATH = '/attachments';
/** Discord's default upload limit per file (https://discord.com/developers/docs/reference#uploading-files). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** The emulator's CDN: the bytes of attachments users sent and the bot uploaded, served by path. */
export class AttachmentStore {
  private readonly files = new Map<string, { data: Buffer; contentType: string }>();

  /** Stores the file and returns its path below the emulator's origin. */
  put(channelId: string, attachmentId: string, filename: string, data: Buffer, contentType: string): string {
    const path = `${ATTACHMENTS_PATH}/${channelId}/${attachmentId}/${encodeURIComponent(filename)}`;
    this.files.set(path, { data, contentType });
    return path;
  }

  get(path: string): { data: Buffer; contentType: string } | undefined {
    return this.files.get(path);
  }
}

export function registerAttachmentRoute(app: FastifyInstance, store: AttachmentStore): void {
  app.get(`${ATTACHMENTS_PATH}/*`, async (request, reply) => {
    const file = store.get(request.url.split('?', 1)[0] ?? '');
    if (!file) return reply.code(404).send({ message: '404: Not Found', code: 0 });
    return reply.type(file.contentType).send(file.data);
  });
}
