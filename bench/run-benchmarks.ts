/**
 * `npm run bench`: runs every benchmark piece that exists in bench/, prints its figures, and
 * with `--json` ends with one line holding one JSON object of every figure. A piece is a module
 * whose named export is a `BenchPiece` (see bench-piece.ts); a piece whose compiled file is not
 * there is skipped with a note, and one that fails is reported while the others still run.
 *
 *   --repeat N          measured repetitions of each case (default 5)
 *   --concurrency N     task concurrency cap for the Docker benchmark (default 8, the kernel's)
 *   --network host|none container network mode (default host, Gofer's default)
 *   --only NAME[,NAME]  run only these pieces (docker, swarm, object-store, wasm-extension,
 *                       extension-trigger, wasi, kernel-idle)
 *   --json              end with the JSON line
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchFigures, BenchOptions, BenchPiece } from './bench-piece.js';

interface PieceEntry {
  name: string;
  file: string;
  exportName: string;
}

/** Every piece the runner knows; others add theirs here when they write the module. */
const PIECES: PieceEntry[] = [
  { name: 'docker', file: 'docker-bench.js', exportName: 'benchDocker' },
  { name: 'swarm', file: 'swarm-bench.js', exportName: 'benchSwarm' },
  { name: 'object-store', file: 'object-store-bench.js', exportName: 'benchObjectStore' },
  { name: 'wasm-extension', file: 'wasm-extension-bench.js', exportName: 'benchWasmExtension' },
  {
    name: 'extension-trigger',
    file: 'extension-trigger-bench.js',
    exportName: 'benchExtensionTrigger',
  },
  { name: 'wasi', file: 'wasi-bench.js', exportName: 'benchWasi' },
  { name: 'kernel-idle', file: 'kernel-idle-bench.js', exportName: 'benchKernelIdle' },
];

interface Args {
  options: BenchOptions;
  only?: string[];
  json: boolean;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const figures: BenchFigures = {};
  let failed = 0;

  for (const piece of PIECES) {
    if (args.only && !args.only.includes(piece.name)) continue;
    const url = new URL(`./${piece.file}`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) {
      console.log(
        `[${piece.name}] skipped: bench/${piece.file.replace(/\.js$/, '.ts')} does not exist yet`,
      );
      continue;
    }

    console.log(`[${piece.name}] running`);
    const began = performance.now();
    try {
      const module = (await import(pathToFileURL(fileURLToPath(url)).href)) as Record<
        string,
        unknown
      >;
      const run = module[piece.exportName];
      if (typeof run !== 'function') {
        throw new Error(`bench/${piece.file} does not export a function ${piece.exportName}`);
      }
      merge(figures, await (run as BenchPiece)(args.options), piece.name);
      print(figures, piece.name);
      console.log(`[${piece.name}] done in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    } catch (err) {
      failed++;
      console.error(`[${piece.name}] failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  if (args.json) console.log(JSON.stringify(figures));
  return failed > 0 ? 1 : 0;
}

const owners = new Map<string, string>();

/** Adds a piece's figures; a key another piece already gave is kept from the first, with a note. */
function merge(into: BenchFigures, from: BenchFigures, piece: string): void {
  for (const [key, value] of Object.entries(from)) {
    if (owners.has(key)) {
      console.error(`[${piece}] figure ${key} is already given by ${owners.get(key)}; rename it`);
      continue;
    }
    owners.set(key, piece);
    into[key] = value;
  }
}

function print(figures: BenchFigures, piece: string): void {
  for (const [key, value] of Object.entries(figures)) {
    if (owners.get(key) === piece) console.log(`  ${key.padEnd(30)} ${String(value)}`);
  }
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    options: { repeat: 5, taskConcurrency: 8, networkMode: 'host' },
    json: false,
  };
  const positive = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      usage(`${flag} needs a whole number of at least 1, not ${value}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--repeat') args.options.repeat = positive(flag, argv[++i]);
    else if (flag === '--concurrency') args.options.taskConcurrency = positive(flag, argv[++i]);
    else if (flag === '--network') {
      const mode = argv[++i];
      if (mode !== 'host' && mode !== 'none') usage(`--network takes host or none, not ${mode}`);
      args.options.networkMode = mode;
    } else if (flag === '--only') {
      args.only = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = args.only.filter((n) => !PIECES.some((p) => p.name === n));
      if (unknown.length > 0) {
        usage(
          `--only: unknown piece ${unknown.join(', ')}; use ${PIECES.map((p) => p.name).join(', ')}`,
        );
      }
    } else usage(`unknown option ${flag}`);
  }
  return args;
}

function usage(problem: string): never {
  console.error(`bench: ${problem}`);
  console.error(
    'usage: npm run bench -- [--repeat N] [--concurrency N] [--network host|none] ' +
      '[--only docker,object-store,wasm-extension] [--json]',
  );
  process.exit(2);
}

// Pieces may leave handles open (event streams, worker threads); the figures are out, so exit.
process.exit(await main());
