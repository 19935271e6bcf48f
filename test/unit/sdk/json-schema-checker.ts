/**
 * A small JSON Schema (draft 2020-12) checker for exactly the keywords the pipeline config
 * schema uses. It throws on any other keyword, so the schema cannot grow a rule that this
 * checker would silently skip and the agreement test would then miss.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description']);

/** Returns one message per violation, empty when `value` matches `schema`. */
export function checkJsonSchema(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, '', errors);
  return errors;
}

function check(root: Schema, schema: Schema, value: unknown, at: string, errors: string[]): void {
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const fail = (why: string) => errors.push(`${at || '/'}: ${why}`);
    switch (keyword) {
      case '$ref':
        check(root, resolve(root, arg as string), value, at, errors);
        break;
      case 'type':
        if (!hasType(value, arg as string)) fail(`is not of type ${arg}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).includes(value)) fail(`is not one of ${JSON.stringify(arg)}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) {
          fail(`does not match ${arg}`);
        }
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) fail(`is below ${arg}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) fail(`is above ${arg}`);
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (arg as number)) fail(`is not above ${arg}`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) fail(`has under ${arg} items`);
        break;
      case 'items':
        if (Array.isArray(value)) {
          value.forEach((item, i) => check(root, arg as Schema, item, `${at}/${i}`, errors));
        }
        break;
      case 'required':
        if (isObject(value)) {
          for (const key of arg as string[]) if (!(key in value)) fail(`lacks ${key}`);
        }
        break;
      case 'properties':
        if (isObject(value)) {
          for (const [key, sub] of Object.entries(arg as Record<string, Schema>)) {
            if (key in value) check(root, sub, value[key], `${at}/${key}`, errors);
          }
        }
        break;
      case 'propertyNames':
        if (isObject(value)) {
          for (const key of Object.keys(value))
            check(root, arg as Schema, key, `${at}/${key}`, errors);
        }
        break;
      case 'additionalProperties':
        if (isObject(value)) checkAdditional(root, schema, arg, value, at, errors);
        break;
      default:
        throw new Error(`json-schema-checker: keyword ${keyword} is not supported; add it here`);
    }
  }
}

function checkAdditional(
  root: Schema,
  schema: Schema,
  arg: unknown,
  value: Record<string, unknown>,
  at: string,
  errors: string[],
): void {
  const declared = Object.keys((schema.properties as Schema | undefined) ?? {});
  for (const [key, sub] of Object.entries(value)) {
    if (declared.includes(key)) continue;
    if (arg === false) errors.push(`${at}/${key}: is not allowed`);
    else check(root, arg as Schema, sub, `${at}/${key}`, errors);
  }
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`json-schema-checker: only local refs, got ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Schema)[part];
  if (!isObject(node)) throw new Error(`json-schema-checker: ${ref} does not resolve`);
  return node;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      throw new Error(`json-schema-checker: type ${type} is not supported`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
