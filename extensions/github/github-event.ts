/**
 * What the github extension reads from a webhook delivery: the event filter a subscription
 * gives (`events`), and the variables a run gets from a push, pull_request or release payload.
 */

export const SUPPORTED_EVENTS = ['push', 'pull_request', 'release'] as const;
export type SupportedEvent = (typeof SUPPORTED_EVENTS)[number];

/** Event name to the actions accepted; an empty set accepts every action. */
export type EventFilter = Map<SupportedEvent, Set<string>>;

/** Parses `push,pull_request:opened|synchronize`; throws an Error naming the bad part. */
export function parseEventFilter(text: string): EventFilter {
  const filter: EventFilter = new Map();
  for (const entry of text.split(',').map((e) => e.trim().toLowerCase())) {
    if (entry === '') continue;
    const [event, actions, extra] = entry.split(':');
    if (extra !== undefined || !(SUPPORTED_EVENTS as readonly string[]).includes(event)) {
      throw new Error(
        `events entry "${entry}" is not one of ${SUPPORTED_EVENTS.join(', ')}, optionally ` +
          `followed by :action|action (e.g. pull_request:opened|synchronize)`,
      );
    }
    const names = (actions ?? '').split('|').filter(Boolean);
    if (actions !== undefined && names.length === 0) {
      throw new Error(`events entry "${entry}" names no action after the colon; drop the colon`);
    }
    filter.set(event as SupportedEvent, new Set(names));
  }
  if (filter.size === 0) throw new Error('setting "events" is empty; write e.g. "push,release"');
  return filter;
}

export function filterAccepts(filter: EventFilter, event: string, action: string): boolean {
  const actions = filter.get(event as SupportedEvent);
  return actions !== undefined && (actions.size === 0 || actions.has(action));
}

interface Payload {
  action?: string;
  ref?: string;
  after?: string;
  repository?: { full_name?: string };
  sender?: { login?: string };
  pull_request?: {
    number?: number;
    head?: { ref?: string; sha?: string };
    base?: { ref?: string };
  };
  release?: { tag_name?: string; target_commitish?: string };
}

/** The repository the payload is about, as `owner/name`. */
export function repositoryOf(payload: unknown): string {
  return String((payload as Payload).repository?.full_name ?? '');
}

export function actionOf(payload: unknown): string {
  return String((payload as Payload).action ?? '');
}

/**
 * The run variables for a delivery. GITHUB_* names, because GOFER_* is reserved for the
 * variables Gofer itself sets. Fields a given event lacks are empty strings.
 */
export function runVariables(
  event: string,
  delivery: string,
  payload: unknown,
): Record<string, string> {
  const p = payload as Payload;
  const vars: Record<string, string> = {
    GITHUB_EVENT: event,
    GITHUB_ACTION: actionOf(p),
    GITHUB_REPOSITORY: repositoryOf(p),
    GITHUB_DELIVERY: delivery,
    GITHUB_SENDER: String(p.sender?.login ?? ''),
    GITHUB_REF: '',
    GITHUB_SHA: '',
  };
  if (event === 'push') {
    vars.GITHUB_REF = String(p.ref ?? '');
    vars.GITHUB_SHA = String(p.after ?? '');
  } else if (event === 'pull_request') {
    const pr = p.pull_request ?? {};
    vars.GITHUB_REF = pr.number === undefined ? '' : `refs/pull/${pr.number}/head`;
    vars.GITHUB_SHA = String(pr.head?.sha ?? '');
    vars.GITHUB_PR_NUMBER = String(pr.number ?? '');
    vars.GITHUB_HEAD_REF = String(pr.head?.ref ?? '');
    vars.GITHUB_BASE_REF = String(pr.base?.ref ?? '');
  } else if (event === 'release') {
    const tag = String(p.release?.tag_name ?? '');
    vars.GITHUB_REF = tag === '' ? '' : `refs/tags/${tag}`;
    vars.GITHUB_RELEASE_TAG = tag;
  }
  return vars;
}
