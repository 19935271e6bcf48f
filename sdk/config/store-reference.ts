/**
 * References from task variables to the object and secret stores. One rule, shared by the
 * kernel (which resolves them before a task starts) and the SDK (which checks them before a
 * config is printed), documented in docs/secrets-and-objects.md:
 *
 * - A variable whose trimmed value starts with a word directly followed by `{{` is a reference.
 * - A reference must be exactly `<kind>{{ <key> }}`: a known kind in any case
 *   (`pipeline_secret`, `global_secret`, `pipeline_object`, `run_object`), spaces allowed inside
 *   the braces, and a key matching `STORE_KEY_PATTERN`. Anything else that starts like one is
 *   rejected at registration, never half-parsed or passed through.
 * - Every other value is literal.
 */
export type StoreReferenceKind =
  'pipeline_secret' | 'global_secret' | 'pipeline_object' | 'run_object';

export const STORE_REFERENCE_KINDS: readonly StoreReferenceKind[] = [
  'pipeline_secret',
  'global_secret',
  'pipeline_object',
  'run_object',
];

/** Keys of objects and secrets: what a reference can name. */
export const STORE_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

export interface StoreReference {
  kind: StoreReferenceKind;
  key: string;
}

export type ParsedValue =
  | { type: 'literal' }
  | { type: 'reference'; reference: StoreReference }
  | { type: 'malformed'; problem: string };

const LOOKS_LIKE_REFERENCE = /^[A-Za-z_]+\{\{/;
const REFERENCE = /^([A-Za-z_]+)\{\{ *([^{}]*?) *\}\}$/;

export function parseStoreReference(value: string): ParsedValue {
  const text = value.trim();
  if (!LOOKS_LIKE_REFERENCE.test(text)) return { type: 'literal' };

  const match = REFERENCE.exec(text);
  const kinds = STORE_REFERENCE_KINDS.join('{{key}}, ') + '{{key}}';
  if (!match) {
    return {
      type: 'malformed',
      problem: `${JSON.stringify(value)} starts like a store reference but is not one; write exactly one of ${kinds}`,
    };
  }
  const kind = match[1].toLowerCase() as StoreReferenceKind;
  if (!STORE_REFERENCE_KINDS.includes(kind)) {
    return {
      type: 'malformed',
      problem: `${JSON.stringify(value)} names an unknown store "${match[1]}"; use one of ${kinds}`,
    };
  }
  if (!STORE_KEY_PATTERN.test(match[2])) {
    return {
      type: 'malformed',
      problem: `${JSON.stringify(value)} has key ${JSON.stringify(match[2])}, which must be 1 to 128 letters, digits, "_", "." or "-"`,
    };
  }
  return { type: 'reference', reference: { kind, key: match[2] } };
}
