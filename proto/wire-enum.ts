/**
 * Proto enum values carry their type's name as a prefix (`RUN_STATE_QUEUED`) because proto enum
 * values share one scope per package. The domain model uses the bare value (`QUEUED`, or
 * `if-not-present` in pipeline configs); these two functions translate between the spellings.
 */

/** How the domain model spells an enum's values. */
export type EnumStyle = 'upper' | 'lower' | 'kebab';

export function enumToWire<W extends string>(prefix: string, value: string): W {
  return `${prefix}_${value.toUpperCase().replaceAll('-', '_')}` as W;
}

/** Returns undefined for the `_UNSPECIFIED` value (or anything without the prefix). */
export function enumFromWire<M extends string>(
  prefix: string,
  wire: string | number | null | undefined,
  style: EnumStyle = 'upper',
): M | undefined {
  if (typeof wire !== 'string' || !wire.startsWith(`${prefix}_`)) return undefined;
  const bare = wire.slice(prefix.length + 1);
  if (bare === 'UNSPECIFIED') return undefined;
  if (style === 'upper') return bare as M;
  const lower = bare.toLowerCase();
  return (style === 'kebab' ? lower.replaceAll('_', '-') : lower) as M;
}
