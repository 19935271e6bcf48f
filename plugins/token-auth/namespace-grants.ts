/**
 * Namespace grants: exact namespace names, or glob patterns that must match the whole name
 * (`team-a` does not reach `team-a-prod`; `team-*` does). Patterns are checked when a token is
 * made, so a grant that could never mean what its author thought is refused then, not ignored
 * at every call.
 */
import picomatch from 'picomatch';
import { TokenAuthError } from './token-auth-error.js';

/** Namespace id characters plus the glob syntax picomatch understands for them. */
const GRANT_CHARACTERS = /^[A-Za-z0-9_\-*?[\]{},!()+@.]+$/;
const MAX_GRANT_LENGTH = 128;
const PICOMATCH_OPTIONS = { strictBrackets: true, dot: true } as const;

const matchers = new Map<string, (name: string) => boolean>();

/** Throws INVALID_ARGUMENT naming the first grant that is not a usable pattern. */
export function checkGrants(grants: readonly string[]): string[] {
  const checked: string[] = [];
  for (const raw of grants) {
    const grant = raw.trim();
    const problem = grantProblem(grant);
    if (problem) {
      throw new TokenAuthError(
        'INVALID_ARGUMENT',
        `namespace grant ${JSON.stringify(raw)} is invalid: ${problem}`,
        'use a namespace id such as "team-a" or a glob over whole ids such as "team-*"',
      );
    }
    if (!checked.includes(grant)) checked.push(grant);
  }
  return checked;
}

function grantProblem(grant: string): string | undefined {
  if (grant === '') return 'it is empty';
  if (grant.length > MAX_GRANT_LENGTH) return `it is longer than ${MAX_GRANT_LENGTH} characters`;
  if (!GRANT_CHARACTERS.test(grant)) {
    return 'it may hold only letters, digits, "_", "-" and the glob characters * ? [ ] { } , ! ( ) + @ .';
  }
  try {
    picomatch.makeRe(grant, PICOMATCH_OPTIONS);
  } catch (err) {
    return `it is not a valid glob pattern (${(err as Error).message})`;
  }
  return undefined;
}

/** Whether any grant matches the whole of `namespace`. */
export function grantsReach(grants: readonly string[], namespace: string): boolean {
  return grants.some((grant) => matcher(grant)(namespace));
}

function matcher(grant: string): (name: string) => boolean {
  let match = matchers.get(grant);
  if (!match) {
    try {
      match = picomatch(grant, PICOMATCH_OPTIONS);
    } catch {
      // A grant stored before a stricter check reaches nothing rather than failing every call.
      match = () => false;
    }
    matchers.set(grant, match);
  }
  return match;
}
