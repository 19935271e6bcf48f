/**
 * Object store throughput through the real API: a test kernel with its SQLite object store, and
 * a gRPC client on loopback. Puts and gets of 1 KiB values run with a fixed number in flight, as
 * several tasks and users would, after a warm-up of the same calls; 1 MiB puts show what large
 * values cost.
 */
import { randomBytes } from 'node:crypto';
import { StoreClient } from '../cli/store-client.js';
import { startTestKernel } from '../test/support/test-kernel.js';

const IN_FLIGHT = 16;
/** Puts and gets made before timing, so that the figures are of a warmed-up service. */
const WARMUP_COUNT = 1000;
const SMALL_COUNT = 4000;
const LARGE_COUNT = 100;

export async function benchObjectStore(): Promise<{
  object_put_1k_per_s: number;
  object_get_1k_per_s: number;
  object_put_1m_per_s: number;
}> {
  const t = await startTestKernel({
    scheduler: { engine: 'inprocess' },
    object_store: { pipeline_object_limit: WARMUP_COUNT + SMALL_COUNT + LARGE_COUNT },
  });
  const client = new StoreClient({ address: t.kernel.address });
  try {
    await t.deploy({ id: 'bench', tasks: [{ id: 'noop', image: 'inprocess', command: ['echo'] }] });
    const at = (key: string) => ({ namespace: 'default', pipeline: 'bench', key });
    const small = randomBytes(1024);
    const large = randomBytes(1024 * 1024);

    // Warm the channel, the statements and the compiled code before timing.
    await perSecond(WARMUP_COUNT, (i) => client.putObject(at(`w${i}`), small));
    await perSecond(WARMUP_COUNT, (i) => client.getObject(at(`w${i}`)));

    const putSmall = await perSecond(SMALL_COUNT, (i) => client.putObject(at(`s${i}`), small));
    const getSmall = await perSecond(SMALL_COUNT, (i) => client.getObject(at(`s${i}`)));
    const putLarge = await perSecond(LARGE_COUNT, (i) => client.putObject(at(`l${i}`), large));
    return {
      object_put_1k_per_s: putSmall,
      object_get_1k_per_s: getSmall,
      object_put_1m_per_s: putLarge,
    };
  } finally {
    client.close();
    await t.stop();
  }
}

/** Runs `count` operations with IN_FLIGHT at a time; operations per second, rounded. */
async function perSecond(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round(count / seconds);
}
