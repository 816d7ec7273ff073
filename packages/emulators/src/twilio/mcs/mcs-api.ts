import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../http/errors.js';
import { MAX_MEDIA_BYTES, type MediaStore, type StoredMedia } from './mcs.js';
import type { ProductApi } from '../product-api.js';
import { twilioTimestamp } from '../sids.js';

export const MCS_HOST = 'mcs.us1.twilio.com';
/** Where the temporary content links point: outside the API, no credentials needed, as on Twilio. */
const CONTENT_PATH = '/_media';

interface MediaParams {
  Params: { service: string; sid: string };
}

/**
 * MCS at `mcs.us1.twilio.com`: `POST /v1/Services/{IS}/Media` takes the raw bytes with the file's own
 * Content-Type (and an optional `Filename` query parameter); `GET …/Media/{ME}` answers with
 * `links.content_direct_temporary` (https://www.twilio.com/docs/chat/rest/media).
 */
export const mcsApi: ProductApi = {
  host: MCS_HOST,
  routes(app: FastifyInstance, { account, media }) {
    // Any content type is a file here: the JSON and form parsers of the other products do not apply.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_MEDIA_BYTES + 1 }, (_request, body, done) => done(null, body));

    app.post<MediaParams>('/v1/Services/:service/Media', async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const contentType = request.headers['content-type'] ?? 'application/octet-stream';
      const filename = (request.query as Record<string, unknown>).Filename;
      const stored = media.add(request.params.service, contentType, body, typeof filename === 'string' ? filename : null);
      return reply.code(201).send(mediaJson(account.accountSid, stored, request));
    });

    app.get<MediaParams>('/v1/Services/:service/Media/:sid', async (request) => {
      const stored = media.get(request.params.sid);
      if (!stored || stored.serviceSid !== request.params.service) throw notFound(`/Services/${request.params.service}/Media/${request.params.sid}`);
      return mediaJson(account.accountSid, stored, request);
    });
  },
};

/** The temporary content links: `/_media/{ME}?key=…`, the bytes with their content type. */
export function registerMediaContentRoute(app: FastifyInstance, media: MediaStore): void {
  app.get<{ Params: { sid: string }; Querystring: { key?: string } }>(`${CONTENT_PATH}/:sid`, async (request, reply) => {
    const stored = media.get(request.params.sid);
    if (!stored || request.query.key !== stored.accessKey) return reply.code(404).send({ message: 'Not Found' });
    return reply.type(stored.contentType).header('content-length', stored.size).send(stored.data);
  });
}

function mediaJson(accountSid: string, stored: StoredMedia, request: FastifyRequest) {
  const url = `https://${MCS_HOST}/v1/Services/${stored.serviceSid}/Media/${stored.sid}`;
  const origin = `http://${request.headers.host ?? '127.0.0.1'}`;
  return {
    sid: stored.sid,
    account_sid: accountSid,
    service_sid: stored.serviceSid,
    date_created: twilioTimestamp(stored.dateCreated),
    date_upload_updated: twilioTimestamp(stored.dateCreated),
    date_updated: twilioTimestamp(stored.dateCreated),
    channel_sid: null,
    message_sid: null,
    author: null,
    content_type: stored.contentType,
    filename: stored.filename,
    size: stored.size,
    url,
    links: {
      content: `${url}/Content`,
      content_direct_temporary: `${origin}${CONTENT_PATH}/${stored.sid}?key=${stored.accessKey}`,
    },
  };
}
