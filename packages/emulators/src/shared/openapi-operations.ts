/** The parts of a committed OpenAPI subset (see scripts/openapi-subset.ts) a contract check reads. */
export interface SpecDocument {
  'x-source': { commit: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; responses?: Record<string, unknown> };
  [key: string]: unknown;
}

interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
}

interface ResponseObject {
  $ref?: string;
  content?: Record<string, unknown>;
}

interface OperationObject {
  parameters?: ParameterObject[];
  requestBody?: { content: Record<string, unknown> };
  responses?: Record<string, ResponseObject>;
}

/** A parameter of an operation, with a JSON pointer (into the document) to its schema. */
export interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: string;
}

/** One operation of the subset, with JSON pointers (into the document) to the schemas a request must match. */
export interface SpecOperation {
  /** e.g. `POST /channels/{channel_id}/messages` */
  name: string;
  /** The path item's parameters and then the operation's own. */
  parameters: SpecParameter[];
  /** Request media type → pointer to its body schema. */
  bodies: Record<string, string>;
  /**
   * Response status as the spec keys it (`200`, `204`, `429`, `4XX`) → pointer to its JSON body
   * schema, or null for a response without a body.
   */
  responses: Record<string, string | null>;
}

export interface MatchedOperation {
  operation: SpecOperation;
  /** Path parameter values taken from the request path. */
  params: Record<string, string>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** The operations of an OpenAPI document, matched against request paths. */
export class SpecOperations {
  private readonly entries: { method: string; segments: string[]; operation: SpecOperation }[] = [];

  constructor(document: SpecDocument) {
    for (const [path, item] of Object.entries(document.paths)) {
      const shared = (item.parameters as ParameterObject[] | undefined) ?? [];
      for (const method of METHODS.filter((m) => m in item)) {
        const base = `#/paths/${pointerEscape(path)}`;
        const operation = item[method] as OperationObject;
        const parameters = [
          ...shared.map((parameter, i) => parameterOf(parameter, `${base}/parameters/${i}/schema`)),
          ...(operation.parameters ?? []).map((parameter, i) => parameterOf(parameter, `${base}/${method}/parameters/${i}/schema`)),
        ];
        const bodies = Object.fromEntries(
          Object.keys(operation.requestBody?.content ?? {}).map((type) => [type, `${base}/${method}/requestBody/content/${pointerEscape(type)}/schema`]),
        );
        const responses = Object.fromEntries(
          Object.entries(operation.responses ?? {}).map(([status, response]) => [status, responseSchemaPointer(document, `${base}/${method}/responses/${status}`, response)]),
        );
        const name = `${method.toUpperCase()} ${path}`;
        this.entries.push({ method: method.toUpperCase(), segments: path.split('/'), operation: { name, parameters, bodies, responses } });
      }
    }
  }

  get all(): SpecOperation[] {
    return this.entries.map((entry) => entry.operation);
  }

  /** The operation serving `method path`; a literal segment (`/users/@me`) wins over a parameter (`/users/{user_id}`). */
  match(method: string, path: string): MatchedOperation | undefined {
    const segments = path.split('/');
    let best: { matched: MatchedOperation; literals: number } | undefined;
    for (const entry of this.entries) {
      if (entry.method !== method || entry.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      const fits = entry.segments.every((segment, i) => {
        const actual = decodeSegment(segments[i]!);
        if (segment.startsWith('{') && segment.endsWith('}')) {
          params[segment.slice(1, -1)] = actual;
          return true;
        }
        literals += 1;
        return segment === actual;
      });
      if (fits && (!best || literals > best.literals)) best = { matched: { operation: entry.operation, params }, literals };
    }
    return best?.matched;
  }
}

/** Where the JSON body schema of a response is, following a `$ref` to `#/components/responses/…`; null when it has no body. */
function responseSchemaPointer(document: SpecDocument, pointer: string, response: ResponseObject): string | null {
  if (response.$ref !== undefined) {
    const name = response.$ref.replace('#/components/responses/', '');
    const shared = (document.components.responses as Record<string, ResponseObject> | undefined)?.[name];
    if (!shared) throw new Error(`${response.$ref} is not in the document`);
    return responseSchemaPointer(document, `#/components/responses/${pointerEscape(name)}`, shared);
  }
  return response.content?.['application/json'] === undefined ? null : `${pointer}/content/application~1json/schema`;
}

/** The response the spec gives for `status`: the exact code, else its class (`4XX`), else `default`. */
export function responseFor(operation: SpecOperation, status: number): string | null | undefined {
  const { responses } = operation;
  for (const key of [String(status), `${String(status)[0]}XX`, 'default']) if (key in responses) return responses[key];
  return undefined;
}

function parameterOf(parameter: ParameterObject, schema: string): SpecParameter {
  return { name: parameter.name, in: parameter.in as SpecParameter['in'], required: parameter.required === true, schema };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** RFC 6901: `~` and `/` inside a JSON pointer token. */
export function pointerEscape(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
