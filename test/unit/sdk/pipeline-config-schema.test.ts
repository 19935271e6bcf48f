import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { validatePipelineConfig } from '../../../sdk/config/validate-pipeline-config.js';
import { checkJsonSchema } from './json-schema-checker.js';

// The build copies the schema beside the compiled validator, which is what gets published.
const schemaUrl = new URL('../../../sdk/config/pipeline-config.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;

type Json = Record<string, unknown>;
const task = (extra: Json = {}): Json => ({ id: 'build', image: 'local/tool:1', ...extra });
const config = (extra: Json = {}, tasks: unknown[] = [task()]): Json => ({
  id: 'demo',
  tasks,
  ...extra,
});

const valid: Record<string, Json> = {
  'the smallest config': config(),
  'every field': config({ name: 'D', description: 'd', parallelism: 2, task_concurrency: 0 }, [
    task({
      description: 'x',
      image_kind: 'wasm',
      pull_policy: 'always',
      registry_auth: { username: 'u', password: '' },
      entrypoint: [],
      command: ['a', 'b'],
      variables: { _A: '', b9: 'x=y' },
      timeout: '1.5s',
      retries: 0,
      resources: { memory_bytes: 1, cpus: 0.25 },
      inject_api_token: false,
    }),
    task({ id: 'test', depends_on: { build: 'FAILURE' } }),
  ]),
  'a compound duration': config({ timeout: '1h30m10s250ms' }),
  'a 64 character id': config({ id: 'x'.repeat(64) }),
};

const invalid: Record<string, unknown> = {
  'not an object': [],
  'no tasks key': { id: 'demo' },
  'no tasks': config({}, []),
  'an unknown pipeline key': config({ owner: 'me' }),
  'an unknown task key': config({}, [task({ imgae: 'x' })]),
  'a short pipeline id': config({ id: 'ab' }),
  'a long task id': config({}, [task({ id: 'x'.repeat(65) })]),
  'a task id with a dot': config({}, [task({ id: 'a.b.c' })]),
  'a missing image': config({}, [{ id: 'build' }]),
  'an empty image': config({}, [task({ image: '' })]),
  'a blank image': config({}, [task({ image: ' \t' })]),
  'an unknown image kind': config({}, [task({ image_kind: 'vm' })]),
  'an unknown pull policy': config({}, [task({ pull_policy: 'daily' })]),
  'a lower-case dependency kind': config({}, [task({ depends_on: { other: 'success' } })]),
  'a variable key with a dash': config({}, [task({ variables: { 'A-B': 'x' } })]),
  'a variable key starting with a digit': config({}, [task({ variables: { '1A': 'x' } })]),
  'a reserved variable key': config({}, [task({ variables: { GOFER_X: 'x' } })]),
  'a number variable value': config({}, [task({ variables: { A: 1 } })]),
  'a bare number duration': config({ timeout: '90' }),
  'a duration with a space': config({}, [task({ timeout: '5 m' })]),
  'an empty duration': config({ timeout: '' }),
  'eleven retries': config({}, [task({ retries: 11 })]),
  'fractional retries': config({}, [task({ retries: 1.5 })]),
  'negative parallelism': config({ parallelism: -1 }),
  'fractional task concurrency': config({ task_concurrency: 0.5 }),
  'zero memory': config({}, [task({ resources: { memory_bytes: 0 } })]),
  'negative cpus': config({}, [task({ resources: { cpus: -1 } })]),
  'a registry auth without password': config({}, [task({ registry_auth: { username: 'u' } })]),
  'a string command': config({}, [task({ command: 'make' })]),
  'a string flag': config({}, [task({ inject_api_token: 'yes' })]),
};

// Rules that need the whole task list: the schema cannot state them, only the validator does.
const graphOnly: Record<string, Json> = {
  'duplicate task ids': config({}, [task(), task()]),
  'an unknown dependency': config({}, [task({ depends_on: { nope: 'ANY' } })]),
  'a self dependency': config({}, [task({ depends_on: { build: 'ANY' } })]),
  'a cycle': config({}, [
    task({ depends_on: { test: 'ANY' } }),
    task({ id: 'test', depends_on: { build: 'ANY' } }),
  ]),
};

describe('the pipeline config JSON schema', () => {
  it('is a draft 2020-12 schema', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  for (const [name, example] of Object.entries(valid)) {
    it(`accepts ${name}, as the validator does`, () => {
      assert.deepEqual(checkJsonSchema(schema, example), []);
      assert.equal(validatePipelineConfig(example).ok, true);
    });
  }

  for (const [name, example] of Object.entries(invalid)) {
    it(`refuses ${name}, as the validator does`, () => {
      assert.notDeepEqual(checkJsonSchema(schema, example), []);
      assert.equal(validatePipelineConfig(example).ok, false);
    });
  }

  for (const [name, example] of Object.entries(graphOnly)) {
    it(`leaves ${name} to the validator, which refuses it`, () => {
      assert.deepEqual(checkJsonSchema(schema, example), []);
      assert.equal(validatePipelineConfig(example).ok, false);
    });
  }
});
