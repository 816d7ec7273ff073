import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { isMultipartBody, type MultipartBody } from '../shared/multipart.js';
import { failuresOf, formErrorsOf, type Failure } from './form-body-errors.js';
import { responseFor, SpecOperations, type SpecDocument } from '../shared/openapi-operations.js';
import type { ContractViolation } from './types.js';

const DOCUMENT_ID = 'discord-openapi-subset';
/** Discord's own schema annotations (no validation: the schemas beside them say what is allowed). */
const DISCORD_ANNOTATIONS = ['x-discord-union'];

/**
 * Checks REST requests against Discord's OpenAPI definition (spec/openapi-subset.json, cut from
 * https://github.com/discord/discord-api-spec): the method and path must be an operation, the path
 * parameters and the body must match its schemas. It also checks the emulator's own answers against
 * the operation's response schemas, so the emulator cannot answer in a shape Discord never would.
 */
export class RequestContract {
  readonly commit: string;
  private readonly operations: SpecOperations;
  private readonly ajv: Ajv2020;
  /** Response schemas are large (a message pulls in most of the API): compiled once, up front, without optimisation, which halves the time. */
  private readonly responseAjv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly responseValidators = new Map<string, ValidateFunction>();

  constructor(document: SpecDocument) {
    this.commit = document['x-source'].commit;
    this.operations = new SpecOperations(document);
    this.ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    formats.default(this.ajv);
    // Discord's own formats: the schemas beside them (pattern, maxLength) say what is allowed.
    this.ajv.addFormat('snowflake', true).addFormat('nonce', true);
    // The document's top-level OpenAPI fields are not schema keywords; only the schemas in it are compiled.
    this.ajv.addVocabulary([...Object.keys(document), ...DISCORD_ANNOTATIONS]).addSchema(document, DOCUMENT_ID);
    this.responseAjv = new Ajv2020({ strict: true, allowUnionTypes: true, code: { optimize: false } });
    formats.default(this.responseAjv);
    this.responseAjv.addFormat('snowflake', true).addFormat('nonce', true);
    this.responseAjv.addVocabulary([...Object.keys(document), ...DISCORD_ANNOTATIONS]).addSchema(document, DOCUMENT_ID);
    // Up front, so no answer is held up by a compile (tests with short time windows would notice).
    for (const operation of this.operations.all) {
      for (const pointer of Object.values(operation.responses)) {
        if (pointer !== null && !this.responseValidators.has(pointer)) this.responseValidators.set(pointer, this.responseAjv.compile({ $ref: `${DOCUMENT_ID}${pointer}` }));
      }
    }
  }

  /** What is wrong with the request, or undefined when the spec allows it. */
  check(method: string, path: string, body: unknown): Omit<ContractViolation, 'at'> | undefined {
    const matched = this.operations.match(method, path);
    if (!matched) return { kind: 'unknown route', method, path, operation: undefined, errors: undefined };
    const { operation, params } = matched;
    const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
    const failures: Failure[] = pathParameters.flatMap(({ name, schema }) => this.failures(schema, params[name], [name]));
    const multipart = isMultipartBody(body);
    const bodyPointer = operation.bodies[multipart ? 'multipart/form-data' : 'application/json'];
    const value = multipart ? formObject(body) : (body ?? {});
    if (bodyPointer !== undefined && value !== undefined) failures.push(...this.failures(bodyPointer, value));
    if (failures.length === 0) return undefined;
    return { kind: 'invalid form body', method, path, operation: operation.name, errors: formErrorsOf(failures) };
  }

  /**
   * What is wrong with an answer to `method path` (undefined when its body fits the spec's schema for
   * the status). A status the spec declares nothing for (a scripted 5xx) is not checked.
   */
  checkResponse(method: string, path: string, status: number, body: unknown): Omit<ContractViolation, 'at'> | undefined {
    const matched = this.operations.match(method, path);
    if (!matched) return undefined;
    const pointer = responseFor(matched.operation, status);
    if (pointer === undefined) return undefined;
    const operation = matched.operation.name;
    if (pointer === null) {
      if (body === undefined) return undefined;
      return { kind: 'invalid response', method, path, operation, status, errors: { _errors: [{ code: 'BODY_NOT_DECLARED', message: 'the spec declares no body for this answer' }] } };
    }
    const validate = this.responseValidators.get(pointer) as ValidateFunction;
    if (validate(body)) return undefined;
    // One level, keyed by the dotted path: an answer's own `errors` object would clash with nesting.
    const failures = failuresOf(validate.errors ?? []).map(({ path: at, error }) => ({ path: [at.join('.') || '(body)'], error }));
    return failures.length === 0 ? undefined : { kind: 'invalid response', method, path, operation, status, errors: formErrorsOf(failures) };
  }

  private failures(pointer: string, value: unknown, at: string[] = []): Failure[] {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate(value) ? [] : failuresOf(validate.errors ?? [], at);
  }
}

function loadSpecDocument(): SpecDocument {
  return JSON.parse(readFileSync(new URL('./spec/openapi-subset.json', import.meta.url), 'utf8')) as SpecDocument;
}

let shared: RequestContract | undefined;

/** The contract of the committed subset, compiled once per process (emulators only read it). */
export function discordRequestContract(): RequestContract {
  shared ??= new RequestContract(asDocumented(loadSpecDocument()));
  return shared;
}

/**
 * Where the spec and Discord's documentation disagree, the documentation wins:
 * - a bot's message `content` is "up to 2000 characters"; the spec's 4000 is Nitro users' limit
 *   (https://discord.com/developers/docs/resources/message#create-message);
 * - a 429 body's `code` is optional ("for some limits"; https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit),
 *   where the spec requires it;
 * - a field error's `code` in a 50035 body is a string such as `BASE_TYPE_REQUIRED`
 *   (https://discord.com/developers/docs/reference#error-messages), where the spec says integer;
 * - a message reference may be a FORWARD (type 1), which the spec's MessageReferenceType lacks
 *   (https://discord.com/developers/docs/resources/message#message-reference-types).
 */
function asDocumented(document: SpecDocument): SpecDocument {
  const documented = structuredClone(document);
  const schemas = documented.components.schemas as Record<string, Record<string, unknown>>;
  (schemas.MessageCreateRequest as { properties: { content: { maxLength: number } } }).properties.content.maxLength = 2000;
  const rateLimited = schemas.RatelimitedResponse as { allOf: Record<string, unknown>[] };
  rateLimited.allOf[0] = { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } }, required: ['message'] };
  const fieldErrors = (schemas.InnerErrors as { properties: { _errors: { items: unknown } } }).properties._errors;
  fieldErrors.items = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] };
  (schemas.MessageReferenceType as { oneOf: unknown[] }).oneOf.push({ title: 'FORWARD', description: 'Reference to a message, forwarded', const: 1 });
  return documented;
}

/**
 * A multipart body as the schema sees it: the JSON of the `payload_json` part, plus each file part
 * (the schema asks only that `files[n]` is there). Other text parts are not checked: they are strings,
 * which the schema's types do not describe. Undefined when `payload_json` is not JSON (the handler
 * answers 50109).
 */
function formObject(body: MultipartBody): unknown {
  let payload: unknown = {};
  if (body.fields.payload_json !== undefined) {
    try {
      payload = JSON.parse(body.fields.payload_json);
    } catch {
      return undefined;
    }
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  return { ...payload, ...Object.fromEntries(Object.keys(body.files).map((name) => [name, ''])) };
}
