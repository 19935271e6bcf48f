import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAX_MESSAGE_BYTES } from '../../../kernel/api/api-server.js';
import { MAX_VALUE_BYTES, parseKeyValue } from '../../../cli/parse-key-value.js';

describe('key=value and key=@file arguments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-key-value-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the value after the first = as bytes, or the bytes of the file after @', () => {
    assert.deepEqual(parseKeyValue('a=b=c'), { key: 'a', value: Buffer.from('b=c') });
    const file = join(dir, 'value.bin');
    writeFileSync(file, Buffer.from([0, 1, 2]));
    assert.deepEqual(parseKeyValue(`bin=@${file}`), { key: 'bin', value: Buffer.from([0, 1, 2]) });
  });

  it('names a missing file and says where a relative path is read from', () => {
    const missing = join(dir, 'nope.txt');
    assert.throws(() => parseKeyValue(`k=@${missing}`), {
      code: 'NOT_FOUND',
      message: `file ${missing} does not exist`,
      fix: `check the path after @; a relative one is read from ${process.cwd()}`,
    });
  });

  it('refuses a directory by name instead of failing to read it', () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    assert.throws(() => parseKeyValue(`k=@${folder}`), {
      code: 'INVALID_ARGUMENT',
      message: `${folder} is a directory, not a file`,
      fix: 'give a file after @',
    });
  });

  it('refuses a file too big for one API message, naming it and both sizes', () => {
    assert.ok(MAX_VALUE_BYTES < MAX_MESSAGE_BYTES, 'room is left for the rest of the request');
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, MAX_MESSAGE_BYTES); // sparse: no disk is spent
    assert.throws(() => parseKeyValue(`k=@${big}`), {
      code: 'INVALID_ARGUMENT',
      message:
        `file ${big} is ${MAX_MESSAGE_BYTES} bytes (64.0 MiB), more than the ` +
        `${MAX_VALUE_BYTES} bytes (63.9 MiB) one value may hold`,
      fix: 'store a smaller value, or split it across several keys',
    });
  });

  it('still says what form it wants when there is no key', () => {
    assert.throws(() => parseKeyValue('=v'), {
      code: 'INVALID_ARGUMENT',
      message: '"=v" is not key=value',
    });
  });
});
