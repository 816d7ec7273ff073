import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { BotApiError, badRequest, methodNotFound, unauthorized } from './api-error.js';
import type { BotContext } from './bot-context.js';
import type { FaultInjector } from './faults.js';
import { findMethod } from './methods.js';
import { BotApiParams } from './params.js';
import type { RecordedRequest } from './types.js';

export interface BotApiRouteDeps {
  token: string;
  bot: BotContext;
  faults: FaultInjector;
  onRequest: (request: RecordedRequest) => void;
}

/**
 * `GET|POST /bot<token>/<method>`, answered in the Bot API envelope. File downloads
 * (`/file/bot<token>/<path>`, for getFile) belong in a sibling route of this scope.
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
          params: { ...params.values },
          contentType: request.headers['content-type'],
          httpMethod: request.method,
          at: Date.now(),
        });
        if (!found) throw methodNotFound();
        const fault = deps.faults.take(found.name);
        if (fault) throw fault;

        const { result, description } = await found.handler({ params, signal: hangUpSignal(reply) }, deps.bot);
        return { ok: true, result, ...(description !== undefined ? { description } : {}) };
      },
    });
  });
}

/** Errors from fastify itself (unparsable body, unsupported content type, …) and emulator bugs become Bot API errors too. */
function toBotApiError(error: FastifyError | BotApiError, contentType: string | undefined): BotApiError {
  if (error instanceof BotApiError) return error;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return badRequest(`unsupported content type ${contentType?.split(';')[0]}`);
  if (error.statusCode !== undefined && error.statusCode < 500) return badRequest(error.message);
  return new BotApiError(500, `Internal Server Error: ${error.message}`);
}

function hangUpSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
