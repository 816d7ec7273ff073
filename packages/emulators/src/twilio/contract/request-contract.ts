import type { IncomingHttpHeaders } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { pointerEscape, SpecOperations, type SpecDocument, type SpecOperation } from '../../shared/openapi-operations.js';
import type { FormParams } from '../http/form-body.js';
import { loadSpecOfHost } from './spec-files.js';

const FORM = 'application/x-www-form-urlencoded';
/** Twilio's own request headers; any other header is HTTP's business, not the API's. */
const TWILIO_HEADER = /^x-twilio-/i;

/** One API request as the contract check sees it. */
export interface ContractRequest {
  host: string;
  method: string;
  /** The path below the host, without the query string. */
  path: string;
  query: FormParams;
  headers: IncomingHttpHeaders;
  /** The form fields of the body (none for a GET or DELETE). */
  form: FormParams;
  /** The body's media type, e.g. `application/json`; undefined when there is no body. */
  bodyMediaType?: string;
}

/** What is wrong with one parameter of a request. */
export interface ContractProblem {
  kind: 'unknown operation' | 'unknown parameter' | 'missing parameter' | 'invalid parameter' | 'unsupported body';
  /** As sent, e.g. `Configuration.Method`, `PageSize` or `X-Twilio-Webhook-Enabled` (the path, for an unknown operation). */
  parameter: string;
  in: 'path' | 'query' | 'header' | 'body';
  /** Why a value is refused (the spec's words, e.g. `must be equal to one of the allowed values: get, post`). */
  message?: string;
}

/** A request that Twilio's OpenAPI definitions (twilio/twilio-oai) refuse. */
export interface TwilioContractViolation {
  host: string;
  method: string;
  path: string;
  /** The spec operation, e.g. `POST /v1/Conversations/{ConversationSid}/Webhooks`; undefined when none matches. */
  operation: string | undefined;
  problems: ContractProblem[];
  /** Unix time in milliseconds. */
  at: number;
}

/** One host's committed subset (src/twilio/spec/) compiled for checking. */
class HostContract {
  private readonly operations: SpecOperations;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: SpecDocument) {
    this.operations = new SpecOperations(document);
    // Form values are strings: a schema's integer, boolean or array is what Twilio parses them into
    // (an array is a repeated key), so they are coerced before they are checked.
    this.ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: 'array' });
    formats.default(this.ajv);
    this.ajv.addVocabulary(Object.keys(document)).addSchema(document, 'twilio-oai');
  }

  check(request: ContractRequest): Omit<TwilioContractViolation, 'at'> | undefined {
    const matched = this.operations.match(request.method, request.path);
    const { host, method, path } = request;
    if (!matched) return { host, method, path, operation: undefined, problems: [{ kind: 'unknown operation', parameter: path, in: 'path' }] };
    const { operation, params } = matched;
    const problems = [
      ...operation.parameters.filter((p) => p.in === 'path').flatMap((p) => this.valueProblems(p.schema, params[p.name], p.name, 'path')),
      ...this.fieldProblems(operation, 'query', request.query),
      ...this.fieldProblems(operation, 'header', twilioHeadersOf(request.headers)),
      ...this.bodyProblems(operation, request.form),
      ...bodyTypeProblems(operation, request.bodyMediaType),
    ];
    return problems.length === 0 ? undefined : { host, method, path, operation: operation.name, problems };
  }

  /** Query parameters or Twilio headers: each one sent must be declared, each required one sent, each value valid. */
  private fieldProblems(operation: SpecOperation, place: 'query' | 'header', sent: FormParams): ContractProblem[] {
    const declared = operation.parameters.filter((p) => p.in === place);
    const named = (name: string) => declared.find((p) => (place === 'header' ? p.name.toLowerCase() === name.toLowerCase() : p.name === name));
    return [
      ...Object.keys(sent).flatMap((name): ContractProblem[] => {
        const parameter = named(name);
        if (!parameter) return [{ kind: 'unknown parameter', parameter: name, in: place }];
        return this.valueProblems(parameter.schema, sent[name], parameter.name, place);
      }),
      ...missing(declared.filter((p) => p.required).map((p) => p.name), (name) => Object.keys(sent).some((key) => named(key)?.name === name), place),
    ];
  }

  private bodyProblems(operation: SpecOperation, form: FormParams): ContractProblem[] {
    const pointer = operation.bodies[FORM];
    if (pointer === undefined) return Object.keys(form).map((name) => ({ kind: 'unknown parameter', parameter: name, in: 'body' }));
    const schema = this.resolve(pointer) as { properties?: Record<string, unknown>; required?: string[] };
    const properties = schema.properties ?? {};
    return [
      ...Object.keys(form).flatMap((name): ContractProblem[] => {
        if (!(name in properties)) return [{ kind: 'unknown parameter', parameter: name, in: 'body' }];
        return this.valueProblems(`${pointer}/properties/${pointerEscape(name)}`, form[name], name, 'body');
      }),
      ...missing(schema.required ?? [], (name) => name in form, 'body'),
    ];
  }

  private valueProblems(pointer: string, value: string | string[] | undefined, name: string, place: ContractProblem['in']): ContractProblem[] {
    if (value === undefined) return [];
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `twilio-oai${pointer}` });
      this.validators.set(pointer, validate);
    }
    // Coercion may rewrite an array it checks; the request's own value is left as it came.
    if (validate(structuredClone(value))) return [];
    const message = (validate.errors ?? []).map((e) => `${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? `: ${(e.params.allowedValues as unknown[]).join(', ')}` : ''}`).join('; ');
    return [{ kind: 'invalid parameter', parameter: name, in: place, message }];
  }

  private resolve(pointer: string): unknown {
    return pointer
      .slice(2)
      .split('/')
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((node, token) => (node as Record<string, unknown>)[token], this.document);
  }
}

/** A body in an encoding the operation does not take (JSON where it takes a form): Twilio reads no parameters from it. */
function bodyTypeProblems(operation: SpecOperation, mediaType: string | undefined): ContractProblem[] {
  // An empty form is what clients send to an operation without parameters (twilio-node posts `{}`).
  if (mediaType === undefined || mediaType === FORM || mediaType in operation.bodies) return [];
  return [{ kind: 'unsupported body', parameter: 'Content-Type', in: 'header', message: `${mediaType} is not a body this operation takes` }];
}

function missing(required: readonly string[], present: (name: string) => boolean, place: ContractProblem['in']): ContractProblem[] {
  return required.filter((name) => !present(name)).map((name) => ({ kind: 'missing parameter', parameter: name, in: place }));
}

function twilioHeadersOf(headers: IncomingHttpHeaders): FormParams {
  const found: FormParams = {};
  for (const [name, value] of Object.entries(headers)) {
    if (TWILIO_HEADER.test(name) && value !== undefined) found[name] = value;
  }
  return found;
}


/**
 * Checks API requests against Twilio's official OpenAPI definitions (the subsets in src/twilio/spec/,
 * cut from https://github.com/twilio/twilio-oai by scripts/twilio-spec-subset.ts): the operation must
 * exist; every query parameter, `X-Twilio-*` header and form field sent must be one it declares,
 * spelled as it spells it (`Configuration.Filters`, `Timers.Inactive`); the required ones must be
 * there; and each value must match its type, pattern and enum. A host twilio-oai does not describe
 * (MCS) is not checked.
 */
class TwilioRequestContract {
  private readonly hosts = new Map<string, HostContract | null>();

  check(request: ContractRequest): Omit<TwilioContractViolation, 'at'> | undefined {
    let contract = this.hosts.get(request.host);
    if (contract === undefined) {
      const document = loadSpecOfHost(request.host);
      contract = document ? new HostContract(document) : null;
      this.hosts.set(request.host, contract);
    }
    return contract?.check(request);
  }
}


let shared: TwilioRequestContract | undefined;

/** The contract of the committed subsets, compiled once per process (emulators only read it). */
export function twilioRequestContract(): TwilioRequestContract {
  shared ??= new TwilioRequestContract();
  return shared;
}
