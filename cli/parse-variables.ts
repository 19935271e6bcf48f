import { invalidArgument } from '../kernel/errors.js';

/**
 * Turns repeated `-v KEY=VALUE` flags into a map. The value runs from the first `=` to the end,
 * so it may itself hold `=` (`-v Q=a=b` gives `a=b`) or be empty (`-v EMPTY=`). A key given
 * twice keeps the last value, as shells do with environment assignments.
 */
export function parseVariables(pairs: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw invalidArgument(
        `variable ${JSON.stringify(pair)} is not KEY=VALUE`,
        'write it as -v KEY=VALUE, e.g. -v BRANCH=main',
      );
    }
    variables[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return variables;
}

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
