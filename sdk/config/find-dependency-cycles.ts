/**
 * Finds dependency cycles among tasks, given each task's parents (known tasks only, no self
 * edges). Returns cycles in order, each as the task ids `[a, b, c]` meaning a depends on b, b on
 * c and c on a. Every task that lies on any cycle appears in at least one returned cycle, and
 * no two returned cycles are the same, so a user sees every task to fix without a list that
 * grows with the number of possible cycles.
 */
export function findDependencyCycles(parents: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  for (const component of stronglyConnected(parents)) {
    if (component.length < 2) continue;
    const members = new Set(component);
    const covered = new Set<string>();

    // Walk the component in config order so cycles start at the earliest uncovered task.
    const ordered = [...parents.keys()].filter((id) => members.has(id));
    for (const start of ordered) {
      if (covered.has(start)) continue;
      const cycle = shortestCycleThrough(start, parents, members);
      cycle.forEach((id) => covered.add(id));
      cycles.push(cycle);
    }
  }
  return cycles;
}

/** Tarjan's algorithm, iterative so that a long chain of tasks cannot overflow the stack. */
function stronglyConnected(parents: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of parents.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);

    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = parents.get(frame.id) ?? [];
      if (frame.next < edges.length) {
        const child = edges[frame.next++];
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ id: child, next: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(child)!));
        }
        continue;
      }

      // All edges seen: close the component if this task is its root, then return to the caller.
      work.pop();
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          component.push(id);
        } while (id !== frame.id);
        components.push(component);
      }
      const caller = work[work.length - 1];
      if (caller) low.set(caller.id, Math.min(low.get(caller.id)!, low.get(frame.id)!));
    }
  }
  return components;
}

/** Breadth-first search from `start` back to itself, staying inside one component. */
function shortestCycleThrough(
  start: string,
  parents: ReadonlyMap<string, readonly string[]>,
  members: ReadonlySet<string>,
): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head];
    for (const next of parents.get(id) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) return pathTo(id, start, cameFrom);
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, id);
      queue.push(next);
    }
  }
  // Unreachable for a component of two or more tasks; kept so the function is total.
  return [start];
}

function pathTo(last: string, start: string, cameFrom: ReadonlyMap<string, string>): string[] {
  const path = [last];
  while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
  return path;
}
