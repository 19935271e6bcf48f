import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Problem } from '../../../sdk/config/validate-pipeline-config.js';
import {
  formatProblems,
  validatePipelineConfig,
} from '../../../sdk/config/validate-pipeline-config.js';

type Json = Record<string, unknown>;

const task = (id: string, extra: Json = {}): Json => ({ id, image: 'local/tool:1', ...extra });
const pipeline = (tasks: unknown[], extra: Json = {}): Json => ({ id: 'demo', tasks, ...extra });

function problemsOf(config: unknown): Problem[] {
  const result = validatePipelineConfig(config);
  assert.equal(result.ok, false, 'expected the config to be refused');
  return result.ok ? [] : result.problems;
}

/** The single problem at `path`, checked to name every task in `tasks` in its message. */
function problemAt(config: unknown, path: string, tasks: string[]): Problem {
  const problems = problemsOf(config);
  const found = problems.filter((p) => p.path === path);
  assert.equal(
    found.length,
    1,
    `expected one problem at ${path}, got:\n${formatProblems(problems)}`,
  );
  assert.deepEqual(found[0].tasks, tasks);
  for (const id of tasks) assert.match(found[0].message, new RegExp(`"${id}"`));
  return found[0];
}

describe('validatePipelineConfig', () => {
  it('accepts a config that uses every field and returns it unchanged', () => {
    const config = pipeline(
      [
        task('build', {
          description: 'compile',
          image_kind: 'container',
          pull_policy: 'never',
          registry_auth: { username: 'u', password: 'p' },
          entrypoint: [],
          command: ['sh', '-c', 'make'],
          variables: { Path: 'a=b', PATH: '', _x1: '\n' },
          timeout: '1h30m',
          retries: 10,
          resources: { memory_bytes: 1048576, cpus: 0.5 },
          inject_api_token: true,
        }),
        task('test', { depends_on: { build: 'SUCCESS' } }),
        task('notify', { depends_on: { test: 'ANY', build: 'FAILURE' }, image_kind: 'wasm' }),
      ],
      { name: 'Demo', description: 'd', parallelism: 0, task_concurrency: 4, timeout: '250ms' },
    );
    const result = validatePipelineConfig(config);
    assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
    assert.deepEqual(result.config, config);
  });

  it('keeps variable keys as given, so keys differing only in case are two variables', () => {
    const result = validatePipelineConfig(
      pipeline([task('env', { variables: { a: '1', A: '2' } })]),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.config.tasks[0].variables, { a: '1', A: '2' });
  });

  it('refuses a config that is not an object', () => {
    for (const input of [null, [], 'x', 3, undefined]) {
      const problems = problemsOf(input);
      assert.equal(problems.length, 1);
      assert.match(problems[0].message, /must be a JSON object/);
    }
  });

  it('refuses a config without tasks or with an empty task list', () => {
    assert.match(problemAt({ id: 'demo' }, 'tasks', []).message, /at least one task.*missing/);
    assert.match(problemAt(pipeline([]), 'tasks', []).message, /at least one task/);
    assert.match(problemAt(pipeline({} as never), 'tasks', []).message, /list/);
  });

  it('refuses unknown keys at every level and says which key', () => {
    const config = pipeline(
      [
        task('build', {
          imgae: 'x',
          registry_auth: { username: 'u', password: 'p', token: 't' },
          resources: { memory: 1 },
        }),
      ],
      { colour: 'blue' },
    );
    assert.match(problemAt(config, 'colour', []).message, /unknown key "colour"/);
    assert.match(problemAt(config, 'tasks[0].imgae', ['build']).message, /did you mean "image"/);
    assert.match(
      problemAt(config, 'tasks[0].registry_auth.token', ['build']).message,
      /unknown key "token"/,
    );
    assert.match(
      problemAt(config, 'tasks[0].resources.memory', ['build']).message,
      /unknown key "memory"/,
    );
  });

  it('refuses pipeline and task ids that break the id rule, naming the id and the rule', () => {
    for (const id of ['ab', 'a'.repeat(65), 'has space', 'dot.ted', 'ünï']) {
      assert.match(problemAt({ id, tasks: [task('fine')] }, 'id', []).message, /3 to 64 letters/);
      const p = problemAt(pipeline([task(id)]), 'tasks[0].id', [id]);
      assert.match(p.message, /task id .* must be 3 to 64 letters, digits, _ or -/);
    }
    assert.ok(validatePipelineConfig(pipeline([task('a'.repeat(64)), task('A-_9')])).ok);
  });

  it('refuses ids that are missing or not strings', () => {
    assert.match(problemAt({ tasks: [task('fine')] }, 'id', []).message, /missing/);
    assert.match(problemAt(pipeline([{ id: 7, image: 'x' }]), 'tasks[0].id', []).message, /string/);
    assert.match(problemAt(pipeline(['build']), 'tasks[0]', []).message, /must be an object/);
  });

  it('refuses duplicate task ids and names the id', () => {
    const p = problemAt(pipeline([task('build'), task('test'), task('build')]), 'tasks[2].id', [
      'build',
    ]);
    assert.match(p.message, /duplicate task id, also used by tasks\[0\]/);
  });

  it('refuses a dependency on an unknown task, naming both tasks', () => {
    const config = pipeline([task('build'), task('test', { depends_on: { biuld: 'SUCCESS' } })]);
    const p = problemAt(config, 'tasks[1].depends_on.biuld', ['test']);
    assert.match(p.message, /unknown task "biuld"/);
  });

  it('refuses a task that depends on itself', () => {
    const config = pipeline([task('loop', { depends_on: { loop: 'ANY' } })]);
    assert.match(problemAt(config, 'tasks[0].depends_on.loop', ['loop']).message, /itself/);
    assert.equal(problemsOf(config).length, 1, 'a self dependency is not also reported as a cycle');
  });

  it('names a dependency cycle in order', () => {
    const config = pipeline([
      task('aaa', { depends_on: { bbb: 'SUCCESS' } }),
      task('bbb', { depends_on: { ccc: 'SUCCESS' } }),
      task('ccc', { depends_on: { aaa: 'ANY' } }),
      task('free', { depends_on: { aaa: 'ANY' } }),
    ]);
    const p = problemAt(config, 'tasks[0].depends_on', ['aaa', 'bbb', 'ccc']);
    assert.match(p.message, /aaa -> bbb -> ccc -> aaa/);
  });

  it('finds every task that lies on a cycle, across separate and overlapping cycles', () => {
    const config = pipeline([
      task('one', { depends_on: { two: 'ANY' } }),
      task('two', { depends_on: { one: 'ANY', three: 'ANY' } }),
      task('three', { depends_on: { two: 'ANY' } }),
      task('left', { depends_on: { right: 'ANY' } }),
      task('right', { depends_on: { left: 'ANY' } }),
      task('root'),
    ]);
    const cycles = problemsOf(config).filter((p) => /cycle/.test(p.message));
    const onCycles = new Set(cycles.flatMap((p) => p.tasks));
    assert.deepEqual([...onCycles].sort(), ['left', 'one', 'right', 'three', 'two']);
    assert.ok(cycles.some((p) => p.message.includes('one -> two -> one')));
    assert.ok(cycles.some((p) => p.message.includes('left -> right -> left')));
  });

  it('refuses dependency kinds other than ANY, SUCCESS and FAILURE', () => {
    for (const kind of ['success', 'ALWAYS', 1, null]) {
      const config = pipeline([task('build'), task('test', { depends_on: { build: kind } })]);
      const p = problemAt(config, 'tasks[1].depends_on.build', ['test']);
      assert.match(p.message, /use ANY, SUCCESS or FAILURE/);
    }
    const p = problemAt(
      pipeline([task('test', { depends_on: ['build'] })]),
      'tasks[0].depends_on',
      ['test'],
    );
    assert.match(p.message, /must be an object/);
  });

  it('refuses variable keys that are not shell-like names', () => {
    for (const key of ['1ABC', 'MY-VAR', 'A B', '', 'Ä']) {
      const config = pipeline([task('build', { variables: { [key]: 'v' } })]);
      assert.match(problemAt(config, `tasks[0].variables.${key}`, ['build']).message, /must match/);
    }
  });

  it('refuses variable keys that start with GOFER_ because the kernel sets those', () => {
    const config = pipeline([task('build', { variables: { GOFER_RUN: '1', gofer_mine: '2' } })]);
    const p = problemAt(config, 'tasks[0].variables.GOFER_RUN', ['build']);
    assert.match(p.message, /reserved for system variables/);
    assert.equal(problemsOf(config).length, 1, 'the check is case-sensitive like the keys');
  });

  it('refuses variable values that are not strings', () => {
    const config = pipeline([task('build', { variables: { PORT: 8080 } })]);
    assert.match(problemAt(config, 'tasks[0].variables.PORT', ['build']).message, /quote numbers/);
  });

  it('refuses durations that duration.ts cannot parse, on pipelines and tasks', () => {
    for (const timeout of ['90', '1d', '', '5 m', 30, 'ms']) {
      assert.match(
        problemAt(pipeline([task('t1x')], { timeout }), 'timeout', []).message,
        /not a duration/,
      );
      const p = problemAt(pipeline([task('t1x', { timeout })]), 'tasks[0].timeout', ['t1x']);
      assert.match(p.message, /not a duration/);
    }
  });

  it('refuses retries outside 0 to 10 or not whole', () => {
    for (const retries of [-1, 11, 1.5, '2']) {
      const p = problemAt(pipeline([task('build', { retries })]), 'tasks[0].retries', ['build']);
      assert.match(p.message, /0 to 10/);
    }
  });

  it('refuses parallelism and task_concurrency that are negative or fractional', () => {
    for (const value of [-1, 0.5, '3', null]) {
      const config = pipeline([task('build')], { parallelism: value, task_concurrency: value });
      assert.match(problemAt(config, 'parallelism', []).message, /whole number/);
      assert.match(problemAt(config, 'task_concurrency', []).message, /whole number/);
    }
  });

  it('refuses a missing or empty image', () => {
    for (const image of [undefined, '', '  ', 3]) {
      const p = problemAt(pipeline([{ id: 'build', image }]), 'tasks[0].image', ['build']);
      assert.match(p.message, /image must be a non-empty string/);
    }
  });

  it('refuses unknown pull policies and image kinds', () => {
    const config = pipeline([task('build', { pull_policy: 'sometimes', image_kind: 'vm' })]);
    assert.match(problemAt(config, 'tasks[0].pull_policy', ['build']).message, /"sometimes"/);
    assert.match(problemAt(config, 'tasks[0].image_kind', ['build']).message, /"vm"/);
  });

  it('refuses resources that are not positive', () => {
    for (const bad of [0, -5, 1.5, '1g']) {
      const config = pipeline([task('build', { resources: { memory_bytes: bad, cpus: bad } })]);
      if (bad !== 1.5) {
        assert.match(problemAt(config, 'tasks[0].resources.cpus', ['build']).message, /positive/);
      }
      const p = problemAt(config, 'tasks[0].resources.memory_bytes', ['build']);
      assert.match(p.message, /positive whole number/);
    }
  });

  it('refuses wrongly typed optional fields, without echoing registry credentials', () => {
    const config = pipeline([
      task('build', {
        description: 1,
        command: 'make',
        entrypoint: [1],
        inject_api_token: 'yes',
        registry_auth: { username: 'u', password: 12345678 },
      }),
    ]);
    problemAt(config, 'tasks[0].description', ['build']);
    problemAt(config, 'tasks[0].command', ['build']);
    problemAt(config, 'tasks[0].entrypoint', ['build']);
    problemAt(config, 'tasks[0].inject_api_token', ['build']);
    const p = problemAt(config, 'tasks[0].registry_auth.password', ['build']);
    assert.doesNotMatch(p.message, /12345678/);
  });

  it('returns every problem, not just the first', () => {
    const config = pipeline(
      [task('ab', { retries: 99 }), task('test', { depends_on: { nope: 'ANY' }, image: '' })],
      { id: 'x', extra: true },
    );
    const paths = problemsOf(config).map((p) => p.path);
    assert.deepEqual(paths.sort(), [
      'extra',
      'id',
      'tasks[0].id',
      'tasks[0].retries',
      'tasks[1].depends_on.nope',
      'tasks[1].image',
    ]);
  });
});
