import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TwilioContractViolation } from '../contract/request-contract.js';
import { twilioRequestContract } from '../contract/request-contract.js';
import { invalidParameter, missingParameter, TwilioApiError, twilioErrorBody } from './errors.js';
import type { FaultAction, FaultInjector } from './faults.js';
import { asFormParams, bodyMediaType, formBodyOf } from './form-body.js';
import { splitEmulatorPath, type RequestRecord } from './request-log.js';

export interface ApiGateOptions {
  accountSid: string;
  authToken: string;
  faults: FaultInjector;
  onRequest: (record: Omit<RequestRecord, 'id'>) => void;
  onContractViolation: (violation: TwilioContractViolation) => void;
}

/**
 * What every emulated API request goes through before its route: it is recorded, HTTP Basic auth is
 * checked, it is checked against Twilio's OpenAPI definitions, then an armed fault may fail it
 * (before or after carrying it out) or withhold its response.
 */
export function registerApiGate(app: FastifyInstance, options: ApiGateOptions): void {
  const expectedAuthorization = 'Basic ' + Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
  const answerWithheld = new WeakSet<FastifyRequest>();
  const answerReplaced = new WeakMap<FastifyRequest, TwilioApiError>();

  app.addHook('preHandler', async (request) => {
    const { host, path } = splitEmulatorPath(request.url);
    const authorized = request.headers.authorization === expectedAuthorization;
    const fault = authorized ? options.faults.take({ host, method: request.method, path }) : undefined;
    options.onRequest({
      at: new Date(),
      method: request.method,
      host,
      path,
      query: asFormParams(request.query),
      headers: request.headers,
      params: formBodyOf(request),
      authorized,
      fault: faultLabel(fault),
    });
    if (!authorized) {
      throw new TwilioApiError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }
    const refusal = contractRefusal(request, host, path, options.onContractViolation);
    if (refusal) throw refusal;
    if (fault?.kind === 'fail') {
      if (!fault.apply) throw fault.error;
      answerReplaced.set(request, fault.error);
    }
    if (fault?.kind === 'hang') {
      if (!fault.apply) return neverSettles();
      answerWithheld.add(request);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (answerWithheld.has(request)) await neverSettles();
    const error = answerReplaced.get(request);
    if (!error) return payload;
    reply.code(error.status).headers(error.headers).type('application/json');
    return JSON.stringify(twilioErrorBody(error.status, error.code, error.message));
  });
}

/**
 * Records a request Twilio's OpenAPI definitions refuse, and answers what Twilio answers a missing or
 * invalid parameter: 400 with code 20001 (https://www.twilio.com/docs/api/errors/20001). A parameter
 * Twilio does not know is only recorded: Twilio documents no answer for one, and the route ignores it.
 */
function contractRefusal(
  request: FastifyRequest,
  host: string,
  path: string,
  onViolation: (violation: TwilioContractViolation) => void,
): TwilioApiError | undefined {
  const violation = twilioRequestContract().check({
    host,
    method: request.method,
    path,
    query: asFormParams(request.query),
    headers: request.headers,
    form: formBodyOf(request),
    bodyMediaType: bodyMediaType(request),
  });
  if (!violation) return undefined;
  onViolation({ ...violation, at: Date.now() });
  const refused = violation.problems.find((problem) => problem.kind === 'missing parameter' || problem.kind === 'invalid parameter');
  if (refused?.kind === 'missing parameter') return missingParameter(refused.parameter);
  if (refused) return invalidParameter(refused.parameter, refused.message ?? 'not allowed');
  return undefined;
}

function faultLabel(fault: FaultAction | undefined): RequestRecord['fault'] {
  if (fault === undefined) return null;
  if (fault.kind === 'fail') return fault.apply ? 'fail-after-apply' : 'fail';
  return fault.apply ? 'hang-after-apply' : 'hang';
}

/**
 * Holds a request forever: the client sees no response until it gives up. The socket stays open until
 * then or until the emulator stops (the server is created with `forceCloseConnections`).
 */
function neverSettles(): Promise<never> {
  return new Promise<never>(() => undefined);
}
