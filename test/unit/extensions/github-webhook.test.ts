import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  filterAccepts,
  parseEventFilter,
  runVariables,
} from '../../../extensions/github/github-event.js';
import { signBody, signatureProblem } from '../../../extensions/github/webhook-signature.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const nodeSignature = (secret: string, body: Uint8Array) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('the github extension on its TypeScript source', () => {
  it('signs bodies exactly as node:crypto does, whatever their length', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 1000, 70_000]) {
      const body = new Uint8Array(length).map((_, i) => (i * 31) % 256);
      for (const secret of [
        's',
        'x'.repeat(64),
        'a longer secret than one block of sha-256 holds, by far: '.repeat(3),
      ]) {
        assert.equal(signBody(secret, body), nodeSignature(secret, body), `${length} bytes`);
        assert.equal(signatureProblem(secret, body, nodeSignature(secret, body)), undefined);
      }
    }
  });

  it('refuses a missing, malformed, foreign or one-bit-off signature', () => {
    const body = bytes('{"zen":"Keep it logically awesome."}');
    const good = nodeSignature('secret', body);
    const flipped = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
    assert.match(signatureProblem('secret', body, undefined)!, /missing/);
    assert.match(signatureProblem('secret', body, 'sha256=zz')!, /64 hex digits/);
    assert.match(signatureProblem('secret', body, nodeSignature('other', body))!, /does not match/);
    assert.match(signatureProblem('secret', body, flipped)!, /does not match/);
    assert.equal(
      signatureProblem('secret', body, good.toUpperCase().replace('SHA256=', 'sha256=')),
      undefined,
    );
  });

  it('reads event filters with and without actions', () => {
    const filter = parseEventFilter('push, pull_request:opened|synchronize,RELEASE:published');
    assert.ok(filterAccepts(filter, 'push', ''));
    assert.ok(filterAccepts(filter, 'pull_request', 'synchronize'));
    assert.ok(!filterAccepts(filter, 'pull_request', 'closed'));
    assert.ok(filterAccepts(filter, 'release', 'published'));
    assert.ok(!filterAccepts(filter, 'issues', 'opened'));
    assert.throws(() => parseEventFilter('push:'), /names no action after the colon/);
    assert.throws(() => parseEventFilter(' , '), /setting "events" is empty/);
  });

  it('gives a release its tag as ref and variable', () => {
    const vars = runVariables('release', 'd-1', {
      action: 'published',
      release: { tag_name: 'v1.2.3' },
      repository: { full_name: 'o/r' },
    });
    assert.equal(vars.GITHUB_REF, 'refs/tags/v1.2.3');
    assert.equal(vars.GITHUB_RELEASE_TAG, 'v1.2.3');
    assert.equal(vars.GITHUB_ACTION, 'published');
    assert.equal(vars.GITHUB_SHA, '');
  });
});
