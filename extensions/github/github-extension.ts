/**
 * The github extension: GitHub webhook deliveries (push, pull_request, release), POSTed to
 * `/events/<extension>`, start runs of the pipelines subscribed to their repository whose
 * `events` filter takes the event and action. Every delivery must carry a valid
 * `X-Hub-Signature-256` under the configured `webhook_secret`; one without is answered 401 and
 * starts nothing. The extension refuses to start without a secret.
 */
import { defineExtension, host } from '../../sdk/extension/index.js';
import type { ExternalEventResponse, SubscriptionRef } from '../../kernel/contracts/extension.js';
import {
  actionOf,
  filterAccepts,
  parseEventFilter,
  repositoryOf,
  runVariables,
  type EventFilter,
} from './github-event.js';
import { signatureProblem } from './webhook-signature.js';

interface Subscription {
  ref: SubscriptionRef;
  repository: string;
  filter: EventFilter;
}

const DEFAULT_EVENTS = 'push';
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const subs = new Map<string, Subscription>();
let secret = '';

const keyOf = (ref: SubscriptionRef) => `${ref.namespace}/${ref.pipeline}/${ref.label}`;
const reply = (status: number, body: object): ExternalEventResponse => ({
  status,
  body: JSON.stringify(body),
});

function parseSubscription(ref: SubscriptionRef, settings: Record<string, string>): Subscription {
  const repository = settings.repository ?? '';
  if (!REPOSITORY.test(repository)) {
    throw new Error(
      `setting "repository" ${repository ? `"${repository}" ` : ''}must be owner/name, ` +
        `e.g. -s repository=octo-org/octo-repo`,
    );
  }
  const filter = parseEventFilter(settings.events ?? DEFAULT_EVENTS);
  return { ref, repository: repository.toLowerCase(), filter };
}

function parsePayload(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

function deliver(headers: Record<string, string>, body: Uint8Array): ExternalEventResponse {
  const problem = signatureProblem(secret, body, headers['x-hub-signature-256']);
  if (problem) return reply(401, { error: { code: 'UNAUTHENTICATED', message: problem } });

  const event = headers['x-github-event'] ?? '';
  if (event === 'ping') return reply(200, { pong: true });
  const payload = parsePayload(body);
  if (payload === undefined || typeof payload !== 'object' || payload === null) {
    return reply(400, {
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'the body is not JSON; set the webhook content type to application/json',
      },
    });
  }

  const repository = repositoryOf(payload).toLowerCase();
  const action = actionOf(payload);
  const variables = runVariables(event, headers['x-github-delivery'] ?? '', payload);
  const started: Array<{ pipeline: string; label: string; run: number }> = [];
  const refused: Array<{ pipeline: string; label: string; reason: string }> = [];
  for (const sub of subs.values()) {
    if (sub.repository !== repository || !filterAccepts(sub.filter, event, action)) continue;
    const reason = `github: ${event}${action ? `:${action}` : ''} on ${variables.GITHUB_REPOSITORY}`;
    try {
      const run = host.startRun({ ...sub.ref, variables, reason });
      started.push({ pipeline: sub.ref.pipeline, label: sub.ref.label, run });
    } catch (err) {
      const message = (err as Error).message;
      host.log('error', `could not start a run of ${keyOf(sub.ref)}: ${message}`);
      refused.push({ pipeline: sub.ref.pipeline, label: sub.ref.label, reason: message });
    }
  }
  return reply(started.length > 0 || refused.length === 0 ? 200 : 500, { started, refused });
}

export default defineExtension({
  info: {
    name: 'github',
    version: '0.1.0',
    documentation:
      'Starts runs on GitHub webhook deliveries (push, pull_request, release) POSTed to ' +
      "/events/<extension>, for pipelines subscribed to the delivery's `repository` whose " +
      '`events` filter takes it (e.g. "push,pull_request:opened|synchronize"). Deliveries ' +
      'must be signed with the configured webhook_secret (X-Hub-Signature-256). Runs get ' +
      'GITHUB_EVENT, GITHUB_ACTION, GITHUB_REPOSITORY, GITHUB_REF, GITHUB_SHA, ' +
      'GITHUB_DELIVERY and GITHUB_SENDER, and for pull requests GITHUB_PR_NUMBER, ' +
      'GITHUB_HEAD_REF and GITHUB_BASE_REF, for releases GITHUB_RELEASE_TAG.',
    configParams: [
      {
        key: 'webhook_secret',
        required: true,
        documentation: 'The secret the GitHub webhook signs deliveries with.',
      },
    ],
    subscriptionParams: [
      { key: 'repository', required: true, documentation: 'owner/name of the repository.' },
      {
        key: 'events',
        required: false,
        documentation: `Events and actions to run on (default "${DEFAULT_EVENTS}"), e.g. "push,release:published".`,
      },
    ],
  },

  init(config) {
    if (!config.webhook_secret) {
      throw new Error(
        'config "webhook_secret" is required: without it no delivery can be verified; ' +
          'install with -c webhook_secret=<the secret set on the GitHub webhook>',
      );
    }
    secret = config.webhook_secret;
  },

  subscribe(ref, settings) {
    subs.set(keyOf(ref), parseSubscription(ref, settings));
  },

  unsubscribe(ref) {
    subs.delete(keyOf(ref));
  },

  externalEvent({ headers, body }) {
    return deliver(headers, body);
  },

  shutdown() {
    subs.clear();
  },
});
