/**
 * Cuts an OpenAPI 3.1 document down to some of its operations and the components they reference,
 * directly or through other components: the requests, and the responses' bodies (their headers are
 * left out; `responses: false` keeps the request side only). The emulators check the requests they
 * receive, and the Discord emulator also the answers it gives, against them.
 */

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; license?: unknown };
  servers?: unknown;
  paths: Record<string, PathItem>;
  components?: { schemas?: Record<string, unknown>; responses?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  [key: string]: unknown;
}

export type PathItem = Record<string, unknown> & { parameters?: unknown };

export interface Operation {
  operationId?: string;
  parameters?: unknown;
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  security?: Record<string, unknown>[];
}

/** An operation by method and path, in the spec's template form (`/channels/{channel_id}/messages`). */
export interface OperationKey {
  method: string;
  path: string;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const SCHEMA_REF = '#/components/schemas/';
const RESPONSE_REF = '#/components/responses/';

/** The spec path template matching an Express-style route (`/users/:id`): same literals, a parameter where it has one. */
export function specPathOf(spec: OpenApiDocument, method: string, route: string): string {
  const wanted = route.split('/');
  const matches = Object.keys(spec.paths).filter((template) => {
    const segments = template.split('/');
    if (segments.length !== wanted.length || !(method.toLowerCase() in (spec.paths[template] ?? {}))) return false;
    return segments.every((segment, i) => isParameter(segment) === wanted[i]!.startsWith(':') && (isParameter(segment) || segment === wanted[i]));
  });
  if (matches.length !== 1) throw new Error(`${method} ${route}: ${matches.length} operations in the spec match (${matches.join(', ')})`);
  return matches[0]!;
}

export function isParameter(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

export interface SubsetOptions {
  /** Keys dropped wherever they appear, except as property names (e.g. `description`, `examples`): prose and samples a check does not read. */
  omitKeys?: readonly string[];
  /** Keep the responses' bodies, for checking answers too (default true); false keeps the request side only. */
  responses?: boolean;
}

export function subsetOf(
  spec: OpenApiDocument,
  operations: readonly OperationKey[],
  extra: Record<string, unknown>,
  { omitKeys = [], responses: withResponses = true }: SubsetOptions = {},
): OpenApiDocument {
  const omit = new Set(omitKeys);
  const paths: Record<string, PathItem> = {};
  for (const { method, path } of operations) {
    const item = spec.paths[path];
    const operation = item?.[method.toLowerCase()] as Operation | undefined;
    if (!item || !operation) throw new Error(`${method} ${path} is not in the spec`);
    const kept = (paths[path] ??= item.parameters === undefined ? {} : { parameters: without(item.parameters, omit) });
    kept[method.toLowerCase()] = without(withResponses ? withoutResponseHeaders(operation) : requestSide(operation), omit);
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  const allResponses = withResponses
    ? Object.fromEntries(Object.entries(spec.components?.responses ?? {}).map(([name, response]) => [name, without(responseBody(response), omit)]))
    : {};
  const responses = Object.fromEntries(referenced(sortedPaths, RESPONSE_REF, allResponses));
  const schemas = without(Object.fromEntries(referenced([sortedPaths, responses], SCHEMA_REF, spec.components?.schemas ?? {})), omit);
  const schemeNames = new Set(Object.values(sortedPaths).flatMap((item) => operationsOf(item).flatMap((op) => (op.security ?? []).flatMap(Object.keys))));
  const securitySchemes = Object.fromEntries(Object.entries(spec.components?.securitySchemes ?? {}).filter(([name]) => schemeNames.has(name)));
  return {
    openapi: spec.openapi,
    info: { title: spec.info.title, version: spec.info.version, ...(spec.info.license ? { license: spec.info.license } : {}) },
    ...extra,
    ...(spec.servers ? { servers: spec.servers } : {}),
    paths: sortedPaths,
    components: { schemas, ...(withResponses ? { responses } : {}), securitySchemes },
  };
}

function requestSide(operation: Operation): Operation {
  const { operationId, parameters, requestBody, security } = operation;
  return {
    ...(operationId !== undefined ? { operationId } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
    ...(requestBody !== undefined ? { requestBody } : {}),
    ...(security !== undefined ? { security } : {}),
  };
}

function withoutResponseHeaders(operation: Operation): Operation {
  const { operationId, parameters, requestBody, responses, security } = operation;
  return {
    ...(operationId !== undefined ? { operationId } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
    ...(requestBody !== undefined ? { requestBody } : {}),
    ...(responses !== undefined ? { responses: Object.fromEntries(Object.entries(responses).map(([status, response]) => [status, responseBody(response)])) } : {}),
    ...(security !== undefined ? { security } : {}),
  };
}

/** A copy of `value` without the `omit` keys; the names in a `properties` map are kept whatever they are. */
function without<T>(value: T, omit: ReadonlySet<string>, inProperties = false): T {
  if (omit.size === 0) return value;
  if (Array.isArray(value)) return value.map((item) => without(item, omit)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const kept = Object.entries(value).filter(([key]) => inProperties || !omit.has(key));
  return Object.fromEntries(kept.map(([key, inner]) => [key, without(inner, omit, !inProperties && key === 'properties')])) as T;
}

/** A Response Object without its `headers` (which would pull in header components the checks do not read). */
function responseBody(response: unknown): unknown {
  if (typeof response !== 'object' || response === null) return response;
  const { headers: _headers, ...rest } = response as Record<string, unknown>;
  return rest;
}

export function operationsOf(item: PathItem): Operation[] {
  return HTTP_METHODS.flatMap((method) => (item[method] ? [item[method] as Operation] : []));
}

/** The components under `prefix` (`#/components/schemas/`, …) reachable from `root` by `$ref`, sorted by name. */
function referenced(root: unknown, prefix: string, all: Record<string, unknown>): [string, unknown][] {
  const found = new Map<string, unknown>();
  const pending = refsIn(root, prefix);
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (found.has(name)) continue;
    if (!(name in all)) throw new Error(`${prefix}${name} is referenced but not defined`);
    found.set(name, all[name]);
    pending.push(...refsIn(all[name], prefix));
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b));
}

function refsIn(value: unknown, prefix: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => refsIn(item, prefix));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    if (key !== '$ref') return refsIn(inner, prefix);
    if (typeof inner !== 'string' || (!inner.startsWith(SCHEMA_REF) && !inner.startsWith(RESPONSE_REF))) throw new Error(`unexpected $ref ${String(inner)}`);
    return inner.startsWith(prefix) ? [inner.slice(prefix.length)] : [];
  });
}
