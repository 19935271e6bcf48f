/** The shared scheduler behaviour suite on the docker scheduler and the local engine. */
import { DockerTestKit, skipWithoutDocker } from '../../support/docker-test-kit.js';
import { BUSYBOX_IMAGE } from '../../support/test-images.js';
import { containerPrograms } from './container-programs.js';
import { schedulerSuite } from './scheduler-suite.js';

const kit = new DockerTestKit();

schedulerSuite({
  name: 'docker',
  skip: skipWithoutDocker,
  installation: kit.installation,
  image: BUSYBOX_IMAGE,
  graceMs: 2_000,
  taskBoundMs: 30_000,
  setup: () => kit.setup(),
  teardown: () => kit.teardown(),
  scheduler: (installation) => kit.scheduler(installation ? { installation } : {}),
  programs: containerPrograms,
});
