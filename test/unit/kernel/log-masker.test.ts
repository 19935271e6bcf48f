import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogMasker, maskPatterns } from '../../../kernel/logs/log-masker.js';

/** Feeds `chunks` through one masker and returns everything it let out, as text. */
function mask(values: string[], chunks: string[]): string {
  const masker = new LogMasker(maskPatterns(values));
  const out = chunks.map((c) => masker.write(Buffer.from(c)));
  return Buffer.concat([...out, masker.end()]).toString();
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('the log masker', () => {
  it('replaces every occurrence of a secret with ***', () => {
    assert.equal(mask(['hunter22'], ['a hunter22 b hunter22\n']), 'a *** b ***\n');
  });

  it('masks a secret split across writes, however it is cut', () => {
    const text = 'before hunter22 after';
    for (let cut = 1; cut < text.length; cut++) {
      assert.equal(mask(['hunter22'], [text.slice(0, cut), text.slice(cut)]), 'before *** after');
    }
    assert.equal(mask(['hunter22'], [...'xhunter22y']), 'x***y');
  });

  it('holds back only a tail that could still become a secret', () => {
    const masker = new LogMasker(maskPatterns(['hunter22']));
    assert.equal(masker.write(Buffer.from('say hun')).toString(), 'say ');
    assert.equal(masker.write(Buffer.from('gry ')).toString(), 'hungry ');
    assert.equal(masker.write(Buffer.from('ok')).toString(), 'ok');
    assert.equal(masker.end().toString(), '');
  });

  it('writes a held tail at the end unchanged when it never became a secret', () => {
    assert.equal(mask(['hunter22'], ['ends with hunt']), 'ends with hunt');
  });

  it('masks each line of a multi-line secret, and the whole', () => {
    const secret = 'line-one-x\nline-two-y';
    assert.equal(mask([secret], [`${secret}\n`]), '***\n');
    assert.equal(mask([secret], ['only line-two-y here\n']), 'only *** here\n');
  });

  it('leaves short lines of a multi-line secret alone', () => {
    assert.equal(mask(['{\nlong-enough-line\n}'], ['{ } x\n']), '{ } x\n');
  });

  it('masks the base64 of a secret with and without a trailing newline and padding', () => {
    const secret = 'hunter22!';
    const plain = b64(secret);
    const echoed = b64(`${secret}\n`);
    assert.equal(mask([secret], [`${plain}\n`]), '***\n');
    assert.equal(mask([secret], [`${echoed}\n`]), '***\n');
    assert.equal(mask([secret], [`${echoed.replace(/=+$/, '')}\n`]), '***\n');
    assert.ok(echoed.endsWith('='), 'the test value must have padding to drop');
  });

  it('masks several secrets, preferring the longest at a position', () => {
    assert.equal(mask(['abcdef', 'abcdefgh'], ['xabcdefghx abcdefx']), 'x***x ***x');
  });

  it('passes output through untouched when there is nothing to mask', () => {
    const masker = new LogMasker(maskPatterns([]));
    assert.equal(masker.active, false);
    assert.deepEqual(masker.write(Buffer.from([0, 1, 2])), Buffer.from([0, 1, 2]));
  });
});
