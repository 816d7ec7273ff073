import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { isMultipartBody, type MultipartBody } from '../shared/multipart.js';
import { failuresOf, formErrorsOf, type Failure } from './form-body-errors.js';
import { SpecOperations, type SpecDocument } from '../shared/openapi-operations.js';
import type { ContractViolation } from './types.js';

const DOCUMENT_ID = 'discord-openapi-subset';

/**
 * Checks REST requests against Discord's OpenAPI definition (spec/openapi-subset.json, cut from
 * https://github.com/discord/discord-api-spec): the method and path must be an operation, the path
 * parameters and the body must match its schemas.
 */
export class RequestContract {
  readonly commit: string;
  private readonly operations: SpecOperations;
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: SpecDocument) {
    this.commit = document['x-source'].commit;
    this.operations = new SpecOperations(document);
    this.ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    formats.default(this.ajv);
    // Discord's own formats: the schemas beside them (pattern, maxLength) say what is allowed.
    this.ajv.addFormat('snowflake', true).addFormat('nonce', true);
    // The document's top-level OpenAPI fields are not schema keywords; only the schemas in it are compiled.
    this.ajv.addVocabulary(Object.keys(document)).addSchema(document, DOCUMENT_ID);
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
  shared ??= new RequestContract(withDocumentedLimits(loadSpecDocument()));
  return shared;
}

/**
 * The spec's `content` maxLength is 4000, the limit of Nitro users' messages; a bot's is "up to 2000
 * characters" (https://discord.com/developers/docs/resources/message#create-message).
 */
function withDocumentedLimits(document: SpecDocument): SpecDocument {
  const tightened = structuredClone(document);
  const message = tightened.components.schemas.MessageCreateRequest as { properties: { content: { maxLength: number } } };
  message.properties.content.maxLength = 2000;
  return tightened;
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
