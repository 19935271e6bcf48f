/**
 * Plugin settings set through `GOFER_*` environment variables arrive as text, since the kernel
 * cannot know the types of a plugin's own settings; a config file gives them typed. Plugins read
 * numbers and lists through these, so that both ways of setting them mean the same.
 */

/** A number as a file gives it, or its decimal digits as text; undefined for anything else. */
export function numberSetting(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** A list of strings as a file gives it, or its items separated by commas as text. */
export function listSetting(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? value : undefined;
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }
  return undefined;
}
