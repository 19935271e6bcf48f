import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVariables } from '../../../cli/parse-variables.js';

describe('KEY=VALUE parsing', () => {
  it('splits at the first = so values may hold more of them', () => {
    assert.deepEqual(parseVariables(['QUERY=a=b=c', 'URL=http://x/?y=1']), {
      QUERY: 'a=b=c',
      URL: 'http://x/?y=1',
    });
  });

  it('keeps an empty value and spaces as given', () => {
    assert.deepEqual(parseVariables(['EMPTY=', 'SPACED= two words ']), {
      EMPTY: '',
      SPACED: ' two words ',
    });
  });

  it('keeps the last value of a key given twice', () => {
    assert.deepEqual(parseVariables(['A=1', 'A=2']), { A: '2' });
  });

  it('refuses a pair without a key or without =, naming it', () => {
    assert.throws(() => parseVariables(['NOEQUALS']), {
      code: 'INVALID_ARGUMENT',
      message: /"NOEQUALS" is not KEY=VALUE/,
    });
    assert.throws(() => parseVariables(['=value']), { message: /"=value" is not KEY=VALUE/ });
  });
});
