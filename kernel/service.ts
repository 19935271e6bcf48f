import { loadConfig } from './config/load-config.js';
import { Kernel } from './kernel.js';

export interface RunServiceOptions {
  configFile?: string;
  devMode: boolean;
  restricted?: boolean;
}

/**
 * Runs the service until SIGTERM or SIGINT, then stops gracefully. A second signal during the
 * stop exits at once.
 */
export async function runService(opts: RunServiceOptions): Promise<void> {
  const config = loadConfig({
    file: opts.configFile,
    devMode: opts.devMode,
    restricted: opts.restricted,
  });
  const kernel = await Kernel.start(config);

  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = () => {
      if (signalled) process.exit(130);
      signalled = true;
      void kernel.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
