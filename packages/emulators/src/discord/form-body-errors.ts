import type { ErrorObject } from 'ajv/dist/2020.js';

/** One entry of a field's `_errors` in a 50035 body. */
export interface FieldError {
  code: string;
  message: string;
}

/**
 * Discord's `errors` object of a 400 50035 "Invalid Form Body": the field path as nested keys (array
 * indexes too), the field's problems under `_errors`
 * (https://discord.com/developers/docs/reference#error-messages). The docs show only the shape; the
 * codes and wording below are what Discord answers as clients log them (e.g. BASE_TYPE_MAX_LENGTH
 * "Must be 2000 or fewer in length."). Where none is known the code is the emulator's own,
 * SCHEMA_<keyword>, with the validator's message.
 */
export type FormErrors = { _errors?: FieldError[] } & { [field: string]: FormErrors | FieldError[] | undefined };

/** A schema failure at a place in the request: the body path, or a path parameter's name. */
export interface Failure {
  path: string[];
  error: FieldError;
}

/**
 * Turns a validator's errors into the failures Discord would name. A `oneOf` (how the spec writes
 * "nullable" and enums) fails in every branch; what counts is the branch the value was meant for:
 * - a branch that only allows null is never the one meant;
 * - a type mismatch is dropped where another branch got past the type (a constraint failed at the
 *   same place or deeper);
 * - the `const` branches of an enum become one BASE_TYPE_CHOICES listing the allowed values.
 */
export function failuresOf(errors: readonly ErrorObject[], at: string[] = []): Failure[] {
  const located = errors
    .filter((error) => !['oneOf', 'anyOf', 'allOf'].includes(error.keyword) || hasPassingSchemas(error))
    .filter((error) => !(error.keyword === 'type' && allowedTypes(error).every((type) => type === 'null')))
    .map((error) => ({ error, path: [...at, ...pointerTokens(error.instancePath), ...missingProperty(error)] }));
  const constraintFailedAtOrBelow = (path: string[]) =>
    located.some((other) => other.error.keyword !== 'type' && other.path.length >= path.length && path.every((token, i) => other.path[i] === token));
  const kept = located.filter(({ error, path }) => error.keyword !== 'type' || !constraintFailedAtOrBelow(path));

  const failures: Failure[] = [];
  const choices = new Map<string, { path: string[]; values: unknown[] }>();
  for (const { error, path } of kept) {
    if (error.keyword === 'const' || error.keyword === 'enum') {
      const key = path.join('/');
      const entry = choices.get(key) ?? { path, values: [] };
      entry.values.push(...(error.keyword === 'const' ? [error.params.allowedValue] : (error.params.allowedValues as unknown[])));
      choices.set(key, entry);
      continue;
    }
    failures.push({ path, error: fieldError(error) });
  }
  for (const { path, values } of choices.values()) {
    failures.push({ path, error: { code: 'BASE_TYPE_CHOICES', message: `Value must be one of (${values.map(shownChoice).join(', ')}).` } });
  }
  return dedupe(failures);
}

/** Nests failures into Discord's `errors` object. */
export function formErrorsOf(failures: readonly Failure[]): FormErrors {
  const root: FormErrors = {};
  for (const { path, error } of failures) {
    let node = root;
    for (const token of path) node = (node[token] ??= {}) as FormErrors;
    (node._errors ??= []).push(error);
  }
  return root;
}

function fieldError(error: ErrorObject): FieldError {
  const limit = error.params.limit as number;
  switch (error.keyword) {
    case 'required':
      return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
    case 'type':
      return typeError(allowedTypes(error).find((type) => type !== 'null') ?? 'null', error.data);
    case 'maxLength':
    case 'maxItems':
      return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${limit} or fewer in length.` };
    case 'minLength':
    case 'minItems':
      return { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${limit} or more in length.` };
    case 'maximum':
      return { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${limit}.` };
    case 'minimum':
      return { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${limit}.` };
    case 'pattern':
      return (error.parentSchema as { format?: string } | undefined)?.format === 'snowflake'
        ? { code: 'NUMBER_TYPE_COERCE', message: `Value "${shown(error.data)}" is not snowflake.` }
        : { code: 'STRING_TYPE_REGEX', message: `String value did not match validation regex.` };
    case 'format':
      return error.params.format === 'uri'
        ? { code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' }
        : { code: 'SCHEMA_FORMAT', message: `Must match format "${String(error.params.format)}".` };
    default:
      return { code: `SCHEMA_${error.keyword.toUpperCase()}`, message: error.message ?? 'Invalid value.' };
  }
}

function typeError(type: string, value: unknown): FieldError {
  switch (type) {
    case 'string':
      return { code: 'BASE_TYPE_STRING', message: `Could not interpret "${shown(value)}" as string.` };
    case 'integer':
    case 'number':
      return { code: 'NUMBER_TYPE_COERCE', message: `Value "${shown(value)}" is not ${type === 'integer' ? 'int' : 'a number'}.` };
    case 'boolean':
      return { code: 'BASE_TYPE_BOOLEAN', message: 'Must be either true or false.' };
    case 'object':
      return { code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' };
    case 'array':
      return { code: 'LIST_TYPE_CONVERT', message: 'Only iterables may be used in a ListType' };
    default:
      return { code: 'SCHEMA_TYPE', message: `Must be ${type}.` };
  }
}

function allowedTypes(error: ErrorObject): string[] {
  const type = error.params.type as string | string[];
  return Array.isArray(type) ? type : String(type).split(',');
}

/** `oneOf` fails with passing schemas only when the value fits more than one branch: a real failure of its own. */
function hasPassingSchemas(error: ErrorObject): boolean {
  return Array.isArray(error.params.passingSchemas);
}

function missingProperty(error: ErrorObject): string[] {
  return error.keyword === 'required' ? [String(error.params.missingProperty)] : [];
}

function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Choices are listed as in the docs' example: `('desktop', 'android', 'ios')`, `(0, 1, 2)`. */
function shownChoice(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function dedupe(failures: Failure[]): Failure[] {
  const seen = new Set<string>();
  return failures.filter(({ path, error }) => {
    const key = JSON.stringify([path, error.code, error.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
