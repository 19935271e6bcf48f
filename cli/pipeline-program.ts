/**
 * Reads a pipeline config from a file: a `.json` file is the config itself; a `.js`/`.mjs`
 * program is run with node and a `.ts` one with node and tsx, and what it prints on stdout is
 * the config. Programs therefore may log on stderr but must print nothing else on stdout.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { invalidArgument } from '../kernel/errors.js';
import type { PipelineConfig } from '../sdk/config/pipeline-config.js';

const STDERR_LINES_SHOWN = 20;

export async function readPipelineConfig(file: string): Promise<PipelineConfig> {
  const path = resolve(file);
  const ext = extname(path);
  if (ext === '.json') return parseConfig(await readOrExplain(path), path);
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs')
    return parseConfig(await runProgram([path], path), path);
  if (ext === '.ts' || ext === '.mts') {
    // Resolved from here, not from the program's folder, which need not have tsx installed.
    return parseConfig(
      await runProgram(['--import', import.meta.resolve('tsx'), path], path),
      path,
    );
  }
  throw invalidArgument(
    `${file} is neither a .json config nor a .js, .mjs or .ts program`,
    'pass a pipeline program or the JSON config it prints',
  );
}

async function readOrExplain(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw invalidArgument(`cannot read ${path}: ${(err as Error).message}`, 'check the path');
  }
}

const PROGRAM_TIMEOUT_MS = 60_000;

function runProgram(args: string[], path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.on('error', (err) => reject(invalidArgument(`cannot run ${path}: ${err.message}`)));
    // A program that never exits would hang registration; it gets a bounded time.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, PROGRAM_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        return reject(
          invalidArgument(
            `${path} did not exit within ${PROGRAM_TIMEOUT_MS / 1000}s`,
            'a pipeline program must print its config and exit; call finish() once at the end',
          ),
        );
      }
      if (code === 0) return resolvePromise(Buffer.concat(stdout).toString('utf8'));
      const tail = Buffer.concat(stderr)
        .toString('utf8')
        .trimEnd()
        .split('\n')
        .slice(-STDERR_LINES_SHOWN)
        .join('\n');
      reject(
        invalidArgument(
          `${path} exited with ${signal ?? `code ${code}`}${tail ? `; its stderr ends:\n${tail}` : ' and printed nothing on stderr'}`,
          'fix the pipeline program; run it with node yourself to see all of its output',
        ),
      );
    });
  });
}

function parseConfig(text: string, path: string): PipelineConfig {
  try {
    return JSON.parse(text) as PipelineConfig;
  } catch (err) {
    const start = JSON.stringify(text.slice(0, 60));
    throw invalidArgument(
      `${path} did not give a JSON pipeline config (${(err as Error).message}); it begins ${start}`,
      'print only the config on stdout (e.g. finish() from gofer/sdk) and log on stderr',
    );
  }
}
