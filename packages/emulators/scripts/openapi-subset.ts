/**
 * Cuts an OpenAPI 3.1 document down to some of its operations and the component schemas they
 * reference, directly or through other schemas. Responses are left out: the emulator checks the
 * requests it receives, and a response schema would pull in most of the API.
 */

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; license?: unknown };
  servers?: unknown;
  paths: Record<string, PathItem>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  [key: string]: unknown;
}

export type PathItem = Record<string, unknown> & { parameters?: unknown };

export interface Operation {
  operationId?: string;
  parameters?: unknown;
  requestBody?: unknown;
  security?: Record<string, unknown>[];
}

/** An operation by method and path, in the spec's template form (`/channels/{channel_id}/messages`). */
export interface OperationKey {
  method: string;
  path: string;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const SCHEMA_REF = '#/components/schemas/';

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
}

export function subsetOf(
  spec: OpenApiDocument,
  operations: readonly OperationKey[],
  extra: Record<string, unknown>,
  { omitKeys = [] }: SubsetOptions = {},
): OpenApiDocument {
  const paths: Record<string, PathItem> = {};
  for (const { method, path } of operations) {
    const item = spec.paths[path];
    const operation = item?.[method.toLowerCase()] as Operation | undefined;
    if (!item || !operation) throw new Error(`${method} ${path} is not in the spec`);
    const kept = (paths[path] ??= item.parameters === undefined ? {} : { parameters: without(item.parameters, new Set(omitKeys)) });
    kept[method.toLowerCase()] = without(requestSide(operation), new Set(omitKeys));
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  const schemas = without(referencedSchemas(sortedPaths, spec.components?.schemas ?? {}), new Set(omitKeys));
  const schemeNames = new Set(Object.values(sortedPaths).flatMap((item) => operationsOf(item).flatMap((op) => (op.security ?? []).flatMap(Object.keys))));
  const securitySchemes = Object.fromEntries(Object.entries(spec.components?.securitySchemes ?? {}).filter(([name]) => schemeNames.has(name)));
  return {
    openapi: spec.openapi,
    info: { title: spec.info.title, version: spec.info.version, ...(spec.info.license ? { license: spec.info.license } : {}) },
    ...extra,
    ...(spec.servers ? { servers: spec.servers } : {}),
    paths: sortedPaths,
    components: { schemas, securitySchemes },
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

/** A copy of `value` without the `omit` keys; the names in a `properties` map are kept whatever they are. */
function without<T>(value: T, omit: ReadonlySet<string>, inProperties = false): T {
  if (omit.size === 0) return value;
  if (Array.isArray(value)) return value.map((item) => without(item, omit)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const kept = Object.entries(value).filter(([key]) => inProperties || !omit.has(key));
  return Object.fromEntries(kept.map(([key, inner]) => [key, without(inner, omit, !inProperties && key === 'properties')])) as T;
}

export function operationsOf(item: PathItem): Operation[] {
  return HTTP_METHODS.flatMap((method) => (item[method] ? [item[method] as Operation] : []));
}

/** The component schemas reachable from `root` by `$ref`, sorted by name. */
function referencedSchemas(root: unknown, all: Record<string, unknown>): Record<string, unknown> {
  const found = new Map<string, unknown>();
  const pending = [...refsIn(root)];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (found.has(name)) continue;
    if (!(name in all)) throw new Error(`schema ${name} is referenced but not defined`);
    found.set(name, all[name]);
    pending.push(...refsIn(all[name]));
  }
  return Object.fromEntries([...found].sort(([a], [b]) => a.localeCompare(b)));
}

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    if (key !== '$ref') return refsIn(inner);
    if (typeof inner !== 'string' || !inner.startsWith(SCHEMA_REF)) throw new Error(`unexpected $ref ${String(inner)}`);
    return [inner.slice(SCHEMA_REF.length)];
  });
}
