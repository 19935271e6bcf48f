// The demo pipeline: a small build that fans out into three checks, fans back in to package,
// and has a clean-up task that runs only when packaging fails. Register it with
// `gofer up examples/demo/pipeline.ts`.
import { Pipeline, Task } from 'gofer/sdk';

const image = 'local/gofer-busybox:1';
const sh = (script: string) => ['sh', '-c', script];

new Pipeline('demo', 'Demo build')
  .description('Fan-out, fan-in and an on-failure task, each a real container')
  .taskConcurrency(3)
  .tasks(
    new Task('checkout', image)
      .description('Pretends to fetch the sources')
      .command(...sh('echo "checking out revision $REVISION"; sleep 1; echo "done"'))
      .variable('REVISION', 'main'),
    new Task('lint', image)
      .command(
        ...sh('echo "linting $GOFER_PIPELINE_ID run $GOFER_RUN_ID"; sleep 1; echo "no problems"'),
      )
      .dependsOn('checkout', 'SUCCESS'),
    new Task('unit-tests', image)
      .command(...sh('for i in 1 2 3; do echo "unit test $i passed"; sleep 0.3; done'))
      .dependsOn('checkout', 'SUCCESS'),
    new Task('integration-tests', image)
      .command(...sh('echo "integration tests passed" >&2; sleep 1'))
      .dependsOn('checkout', 'SUCCESS')
      .timeout('1m'),
    new Task('package', image)
      .description('Runs once every check has passed')
      .command(...sh('echo "packaging for $GREETING"; echo "artifact: demo-$GOFER_RUN_ID.tar"'))
      .variable('GREETING', 'nobody')
      .dependsOn('lint', 'SUCCESS')
      .dependsOn('unit-tests', 'SUCCESS')
      .dependsOn('integration-tests', 'SUCCESS'),
    new Task('clean-up-on-failure', image)
      .description('Runs only when packaging fails')
      .command(...sh('echo "packaging failed; cleaning up"'))
      .dependsOn('package', 'FAILURE'),
  )
  .finish();
