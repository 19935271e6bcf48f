// The demo: Gofer's main job on a real example. It makes sure a Docker engine and the demo
// image exist, starts `gofer service start` (real auth, a fresh secret key) on a free loopback
// port with a fresh data directory, bootstraps a management token, registers
// examples/demo/pipeline.ts, runs it on Docker, prints the task states, timings and some log
// output, and exits 0 only when every task ended as intended.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const say = (text) => process.stdout.write(`\n\x1b[1m${text}\x1b[0m\n`);

if (!existsSync(cli)) {
  console.error('demo: Gofer is not built; run `npm ci` (or `npm run build`) first');
  process.exit(1);
}

say('1. A Docker engine and the demo image');
run('bash', [join(root, 'scripts', 'docker-engine.sh')]);
run(process.execPath, [join(root, 'scripts', 'test-images.mjs')]);

const dataDir = mkdtempSync(join(tmpdir(), 'gofer-demo-'));
const port = await freePort();
const env = {
  ...process.env,
  GOFER_DATA_DIR: dataDir,
  GOFER_SERVER__ADDRESS: `127.0.0.1:${port}`,
  GOFER_CLI_ADDRESS: `127.0.0.1:${port}`,
  GOFER_LOG_LEVEL: 'warn',
  // Secrets are sealed with this key; outside dev mode the service refuses to start without one.
  GOFER_SECRET_STORE__SQLITE__ENCRYPTION_KEY: randomBytes(32).toString('hex'),
};

say(`2. gofer service start  (data in ${dataDir}, API on 127.0.0.1:${port})`);
const service = spawn(process.execPath, [cli, 'service', 'start'], {
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
let exitCode = 1;
try {
  await waitForService();

  say('2b. gofer token bootstrap  (the first management token, used by every command below)');
  const created = JSON.parse(gofer(['token', 'bootstrap', '--output', 'json'], true));
  env.GOFER_CLI_TOKEN = created.token;
  console.log(`bootstrapped management token ${created.info.id}`);

  say('3. gofer up examples/demo/pipeline.ts');
  gofer(['up', join(root, 'examples', 'demo', 'pipeline.ts')]);

  say('4. gofer run start demo -v GREETING=world --wait');
  gofer(['run', 'start', 'demo', '-v', 'GREETING=world', '--wait']);

  say('5. gofer run get demo 1');
  gofer(['run', 'get', 'demo', '1']);

  say('6. gofer taskrun logs demo 1 unit-tests, then package');
  gofer(['taskrun', 'logs', 'demo', '1', 'unit-tests']);
  gofer(['taskrun', 'logs', 'demo', '1', 'package']);

  say('7. Checking that every task ended as the example intends');
  const tasks = JSON.parse(gofer(['taskrun', 'list', 'demo', '1', '--output', 'json'], true));
  const expected = {
    checkout: 'SUCCESSFUL',
    lint: 'SUCCESSFUL',
    'unit-tests': 'SUCCESSFUL',
    'integration-tests': 'SUCCESSFUL',
    package: 'SUCCESSFUL',
    'clean-up-on-failure': 'SKIPPED',
  };
  const list = Array.isArray(tasks) ? tasks : (tasks.taskRuns ?? tasks.task_runs ?? []);
  const wrong = Object.entries(expected).filter(
    ([id, status]) => list.find((t) => t.id === id)?.status !== status,
  );
  if (wrong.length > 0) {
    console.error(
      `demo: unexpected task states: ${wrong.map(([id, s]) => `${id} should be ${s}`).join(', ')}`,
    );
  } else {
    console.log(
      'All six tasks ended as intended: five succeeded, and the on-failure task was skipped.',
    );
    exitCode = 0;
  }
} catch (err) {
  console.error(`demo: ${err.message}`);
} finally {
  service.kill('SIGTERM');
  await new Promise((resolve) => service.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);

function gofer(args, capture = false) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env,
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`\`gofer ${args.join(' ')}\` exited with ${result.status}`);
  return result.stdout;
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`demo: \`${command} ${args.join(' ')}\` failed; see the message above`);
    process.exit(1);
  }
}

async function waitForService() {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (service.exitCode !== null)
      throw new Error('the service exited during start; see its log above');
    // Before bootstrap there is no token, so any answer from the API, a refusal included, means up.
    const probe = spawnSync(process.execPath, [cli, 'namespace', 'list', '--output', 'json'], {
      env,
      encoding: 'utf8',
    });
    if (probe.status === 0 || /no token/.test(probe.stderr)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the service did not answer within 30 s');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
