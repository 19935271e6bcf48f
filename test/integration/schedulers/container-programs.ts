/**
 * The suite's test programs for schedulers that run container images: busybox `sh -c` in the
 * test image. Text to print travels in the environment so that no byte is reinterpreted.
 */
import type { SuiteAdapter } from './scheduler-suite.js';

const sh = (script: string, env?: Record<string, string>) => ({
  entrypoint: ['sh', '-c', script],
  env,
});

export const containerPrograms: SuiteAdapter['programs'] = {
  env: () => ({ entrypoint: ['cat', '/proc/self/environ'] }),
  write: (stream, text) =>
    sh(`printf '%s' "$SUITE_TEXT"${stream === 'stderr' ? ' >&2' : ''}`, { SUITE_TEXT: text }),
  exit: (code) => sh(`exit ${code}`),
  trapTerm: () => sh('trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'),
  ignoreTerm: () => sh('trap "" TERM; while :; do sleep 1; done'),
  sleep: (ms) => ({ entrypoint: ['sleep', String(ms / 1000)] }),
};
