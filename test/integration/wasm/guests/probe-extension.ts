/**
 * A guest for the runtime's tests. Its external events are commands, so that one component
 * covers every misbehaviour: `count` (per-instance state), `spin` (a loop that never ends),
 * `grow:<MiB>` (keeps memory until it has that much or cannot get more), `start-run` (calls the
 * host), `arm-trap` (the next tick throws, which traps a non-result export), `length:<padding>`
 * (the body's size) and `big:<n>` (an answer of n bytes), for frames larger than the channel.
 */
import { defineExtension, host } from '../../../../sdk/extension/index.js';

let count = 0;
let trapArmed = false;
const kept: Uint8Array[] = [];

function command(text: string): string {
  if (text === 'count') return String(++count);
  if (text.startsWith('length:')) return String(text.length);
  if (text.startsWith('big:')) return 'x'.repeat(Number(text.slice(4)));
  if (text === 'spin') {
    for (;;) count++;
  }
  if (text.startsWith('grow:')) {
    const wanted = Number(text.slice(5)) * 1024 * 1024;
    let held = 0;
    while (held < wanted) {
      kept.push(new Uint8Array(1024 * 1024).fill(1));
      held += 1024 * 1024;
    }
    return String(held);
  }
  if (text === 'start-run') {
    const run = host.startRun({ namespace: 'ns', pipeline: 'p', label: 'probe', reason: 'probe' });
    return String(run);
  }
  if (text === 'arm-trap') {
    trapArmed = true;
    return 'armed';
  }
  throw new Error(`probe: unknown command "${text}"`);
}

export default defineExtension({
  info: {
    name: 'probe',
    version: '0.0.0',
    documentation: 'Test guest.',
    configParams: [],
    subscriptionParams: [],
  },
  externalEvent(event) {
    let text = '';
    for (const byte of event.body) text += String.fromCharCode(byte);
    return { status: 200, body: command(text) };
  },
  tick() {
    if (trapArmed) throw new Error('probe: trapping on purpose');
    return 0;
  },
});
