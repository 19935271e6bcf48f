/**
 * A small extension for the kernel's tests, written with the extension SDK. Webhooks drive it:
 * the `x-probe-action` header picks what it does, so a test can make it echo a request, start
 * a run, or report what it was told (subscriptions, ticks, finished runs).
 */
import type { SubscriptionRef } from '../../../kernel/contracts/extension.js';
import { defineExtension, host } from '../../../sdk/extension/index.js';

const subs = new Map<string, { ref: SubscriptionRef; settings: Record<string, string> }>();
const ticks: number[] = [];
const notices: unknown[] = [];
let config: Record<string, string> = {};

const keyOf = (ref: SubscriptionRef) => `${ref.namespace}/${ref.pipeline}/${ref.label}`;
const json = (status: number, value: unknown) => ({ status, body: JSON.stringify(value) });
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export default defineExtension({
  info: {
    name: 'probe',
    version: '1.0.0',
    documentation: '# probe\n\nStarts runs when told to by a webhook.',
    configParams: [{ key: 'greeting', required: false, documentation: 'echoed back' }],
    subscriptionParams: [{ key: 'mode', required: true, documentation: '`manual` or `tick`' }],
  },
  init(c) {
    config = c;
  },
  subscribe(ref, settings) {
    if (settings.mode !== 'manual' && settings.mode !== 'tick') {
      throw new Error(`setting mode "${settings.mode ?? ''}" must be "manual" or "tick"`);
    }
    subs.set(keyOf(ref), { ref, settings });
  },
  unsubscribe(ref) {
    subs.delete(keyOf(ref));
  },
  tick(now) {
    ticks.push(now);
    return [...subs.values()].some((s) => s.settings.mode === 'tick') ? 1_000 : 0;
  },
  runFinished(notice) {
    notices.push(notice);
  },
  externalEvent(event) {
    switch (event.headers['x-probe-action'] ?? 'echo') {
      case 'start-run': {
        const req = JSON.parse(new TextDecoder().decode(event.body)) as {
          namespace: string;
          pipeline: string;
          label: string;
          variables: Record<string, string>;
          reason: string;
        };
        try {
          return json(200, { run: host.startRun(req) });
        } catch (err) {
          return json(403, { refused: (err as Error).message });
        }
      }
      case 'state':
        return json(200, { config, subscriptions: [...subs.values()], ticks, notices });
      default:
        return json(200, { headers: event.headers, body: hex(event.body) });
    }
  },
});
