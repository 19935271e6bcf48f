/** A value better-sqlite3 can bind: it refuses booleans and undefined. */
export type Bindable = string | number | null;

/** For each field of a patch, the columns (and bound values) it writes. */
export type PatchColumns<P> = {
  [K in keyof Required<P>]: (value: Exclude<P[K], undefined>) => Record<string, Bindable>;
};

/**
 * Turns the fields a patch actually holds into `col = @set_col` assignments. Parameters carry
 * a `set_` prefix so they cannot collide with the WHERE clause's. Undefined fields are left
 * alone; `null` is written (an exit code may be cleared).
 */
export function patchAssignments<P extends object>(
  patch: P,
  columns: PatchColumns<P>,
): { assignments: string; params: Record<string, Bindable> } {
  const params: Record<string, Bindable> = {};
  const parts: string[] = [];

  for (const key of Object.keys(columns) as (keyof P)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    const write = columns[key] as (v: unknown) => Record<string, Bindable>;
    for (const [column, bound] of Object.entries(write(value))) {
      parts.push(`${column} = @set_${column}`);
      params[`set_${column}`] = bound;
    }
  }
  return { assignments: parts.join(', '), params };
}

export const asFlag = (value: boolean): number => (value ? 1 : 0);
