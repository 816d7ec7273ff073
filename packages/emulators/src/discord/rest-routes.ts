import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError, DiscordApiError, notFound, unauthorized } from './api-error.js';
import type { RestFaults } from './faults.js';
import type { InvalidRequestGuard } from './invalid-requests.js';
import type { RateLimiter } from './rate-limits.js';
import { registerMultipartParser } from '../shared/multipart.js';
import type { RequestContract } from './request-contract.js';
import { ROUTES, type RestContext, type RestResult } from './rest-handlers.js';
import type { ContractViolation, RecordedRequest } from './types.js';

/** discord.js builds request URLs as `${api}/v${version}${route}` with version 10. */
export const API_PREFIX = '/api/v10';

export interface RestRouteDeps extends RestContext {
  token: string;
  faults: RestFaults;
  rateLimits: RateLimiter;
  invalidRequests: InvalidRequestGuard;
  onRequest: (request: RecordedRequest) => void;
  contract: RequestContract;
  onContractViolation: (violation: ContractViolation) => void;
}

/**
 * Mounts the REST API under `/api/v10`: auth, rate limits (and their headers on every answer), scripted faults, the check against Discord's OpenAPI
 * definition, recording, Discord's error bodies.
 */
export function registerRestRoutes(app: FastifyInstance, deps: RestRouteDeps): void {
  void app.register(
    async (scope) => {
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        const text = String(body).trim();
        if (text === '') return done(null, undefined);
        try {
          done(null, JSON.parse(text));
        } catch {
          done(apiError(400, 50109), undefined);
        }
      });
      registerMultipartParser(scope, () => apiError(400, 50035));

      scope.setErrorHandler((error: FastifyError | DiscordApiError, request, reply) => {
        const failure =
          error instanceof DiscordApiError
            ? error
            : error.statusCode !== undefined && error.statusCode < 500
              ? apiError(400, 50035)
              : new DiscordApiError(500, 0, '500: Internal Server Error');
        return answer(request, reply, routeName(request), failure);
      });
      // A route the emulator does not serve is no operation of the subset either: recorded as a violation.
      scope.setNotFoundHandler((request, reply) => {
        const banned = deps.invalidRequests.refusal();
        return banned ? answer(request, reply, undefined, banned, {}, false) : answer(request, reply, undefined, contractRefusal(request) ?? notFound());
      });

      for (const route of ROUTES) {
        const name = `${route.method} ${route.url}`;
        scope.route({
          method: route.method,
          url: route.url,
          handler: async (request, reply) => {
            let result: RestResult | DiscordApiError;
            let rateLimitHeaders: Record<string, string> = {};
            try {
              const banned = deps.invalidRequests.refusal();
              if (banned) return answer(request, reply, name, banned, {}, false);
              if (route.auth && request.headers.authorization !== `Bot ${deps.token}`) throw unauthorized();
              const admission = deps.rateLimits.admit(name, apiPath(request));
              rateLimitHeaders = admission.headers;
              if (admission.refusal) throw admission.refusal;
              const fault = deps.faults.take(name);
              if (fault) throw fault;
              const refusal = contractRefusal(request);
              if (refusal) throw refusal;
              result = route.handler({ params: request.params as Record<string, string>, query: request.query as Record<string, string | undefined>, body: request.body }, deps);
            } catch (err) {
              if (!(err instanceof DiscordApiError)) throw err;
              result = err;
            }
            return answer(request, reply, name, result, rateLimitHeaders);
          },
        });
      }

      /** What Discord answers to a request its spec refuses (the violation is recorded), or undefined. */
      function contractRefusal(request: FastifyRequest): DiscordApiError | undefined {
        const violation = deps.contract.check(request.method, apiPath(request), request.body);
        if (!violation) return undefined;
        deps.onContractViolation({ ...violation, at: Date.now() });
        return violation.kind === 'unknown route' ? notFound() : apiError(400, 50035, violation.errors);
      }

      /** Sends the answer; every answer of the API itself (not the ban's) counts towards the invalid request limit. */
      function answer(
        request: FastifyRequest,
        reply: FastifyReply,
        route: string | undefined,
        result: RestResult | DiscordApiError,
        rateLimitHeaders: Record<string, string> = {},
        counted = true,
      ) {
        const status = result.status;
        if (counted) deps.invalidRequests.note(status, { ...rateLimitHeaders, ...(result instanceof DiscordApiError ? result.headers : {}) });
        deps.onRequest({
          method: request.method,
          path: apiPath(request),
          route,
          body: request.body,
          status,
          at: Date.now(),
        });
        reply.headers(rateLimitHeaders);
        const body = result instanceof DiscordApiError ? result.toBody() : status === 204 ? undefined : result.body;
        // The ban's answer comes from Cloudflare in front of the API, not from an API operation.
        const wrongShape = counted ? deps.contract.checkResponse(request.method, apiPath(request), status, body) : undefined;
        if (wrongShape) deps.onContractViolation({ ...wrongShape, at: Date.now() });
        if (result instanceof DiscordApiError) return reply.code(status).headers(result.headers).send(body);
        return status === 204 ? reply.code(204).send() : reply.code(status).send(body);
      }
    },
    { prefix: API_PREFIX },
  );
}

function apiPath(request: FastifyRequest): string {
  return request.url.slice(API_PREFIX.length).split('?')[0] ?? '';
}

function routeName(request: FastifyRequest): string | undefined {
  const url = request.routeOptions.url;
  return url === undefined ? undefined : `${request.method} ${url.slice(API_PREFIX.length)}`;
}
