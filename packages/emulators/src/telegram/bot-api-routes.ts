import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { BotApiError, badRequest, methodNotFound, unauthorized } from './api-error.js';
import type { BotContext } from './bot-context.js';
import type { FaultInjector } from './faults.js';
import { MAX_DOWNLOAD_BYTES } from './files.js';
import { findMethod } from './methods.js';
import { BotApiParams } from './params.js';
import type { RecordedRequest } from './types.js';

export interface BotApiRouteDeps {
  token: string;
  bot: BotContext;
  faults: FaultInjector;
  onRequest: (request: RecordedRequest) => void;
  /** Aborted when the emulator stops: calls held by a hang fault are cut then. */
  stopping: AbortSignal;
}

/**
 * `GET|POST /bot<token>/<method>`, answered in the Bot API envelope, and file downloads
 * (`GET /file/bot<token>/<file_path>`, after getFile).
 */
export function registerBotApiRoutes(app: FastifyInstance, deps: BotApiRouteDeps): void {
  void app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const apiError = toBotApiError(error, request.headers['content-type']);
      return reply.code(apiError.httpStatus).send(apiError.toBody());
    });

    scope.route({
      method: ['GET', 'POST'],
      url: '/bot:token/:method',
      handler: async (request, reply) => {
        const { token, method } = request.params as { token: string; method: string };
        if (token !== deps.token) throw unauthorized();
        const params = BotApiParams.fromRequest(request);
        const found = findMethod(method);
        deps.onRequest({
          method: found?.name ?? method,
          params: recordedParams(params),
          contentType: request.headers['content-type'],
          httpMethod: request.method,
          at: Date.now(),
        });
        if (!found) throw methodNotFound();
        const fault = deps.faults.take(found.name);
        if (fault?.kind === 'fail') throw fault.error;
        if (fault?.kind === 'hang' && !fault.apply) return withheld(reply, deps.stopping);

        const { result, description } = await found.handler({ params, signal: hangUpSignal(reply) }, deps.bot);
        if (fault?.kind === 'hang') return withheld(reply, deps.stopping);
        return { ok: true, result, ...(description !== undefined ? { description } : {}) };
      },
    });

    scope.get('/file/bot:token/*', async (request, reply) => {
      const { token, '*': filePath } = request.params as { token: string; '*': string };
      if (token !== deps.token) throw unauthorized();
      const file = deps.bot.files.byFilePath(filePath);
      if (!file || file.data.length > MAX_DOWNLOAD_BYTES) return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' });
      return reply.type('application/octet-stream').send(file.data);
    });
  });
}

/** Uploads are recorded by name, type and size, not their bytes. */
function recordedParams(params: BotApiParams): Record<string, unknown> {
  const recorded: Record<string, unknown> = { ...params.values };
  for (const name of Object.keys(recorded)) {
    const file = params.file(name);
    if (file) recorded[name] = { filename: file.filename, content_type: file.contentType, size: file.data.length };
  }
  return recorded;
}

/** Errors from fastify itself (unparsable body, unsupported content type, …) and emulator bugs become Bot API errors too. */
function toBotApiError(error: FastifyError | BotApiError, contentType: string | undefined): BotApiError {
  if (error instanceof BotApiError) return error;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return badRequest(`unsupported content type ${contentType?.split(';')[0]}`);
  if (error.statusCode !== undefined && error.statusCode < 500) return badRequest(error.message);
  return new BotApiError(500, `Internal Server Error: ${error.message}`);
}

/** Never answers: the caller waits until it gives up, or until the emulator stops and cuts the connection. */
function withheld(reply: FastifyReply, stopping: AbortSignal): Promise<never> {
  const cut = () => reply.raw.destroy();
  if (stopping.aborted) cut();
  else {
    stopping.addEventListener('abort', cut, { once: true });
    reply.raw.once('close', () => stopping.removeEventListener('abort', cut));
  }
  return new Promise<never>(() => undefined);
}

function hangUpSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
