/**
 * Unpacks an npm package tarball (`npm pack` output: gzip over ustar, every path under
 * `package/`) into a folder, locally and without running anything from it. Only regular files
 * and folders are taken; links, devices and paths that would leave the folder are refused,
 * because a package is untrusted input until the kernel has checked it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GoferError } from '../errors.js';

const BLOCK = 512;
/** Larger unpacked packages are refused; a plugin is code, not a data set. */
const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

const bad = (file: string, what: string) =>
  new GoferError(
    'INVALID_ARGUMENT',
    `${file} is not a plugin package tarball: ${what}`,
    'make it with `npm pack` in the plugin package folder',
  );

function text(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  const value = text(block, offset, length).trim();
  return value === '' ? 0 : parseInt(value, 8);
}

/** `path=` from a pax extended header, which `npm pack` writes for long names. */
function paxPath(data: Buffer): string | undefined {
  let rest = data.toString('utf8');
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const length = parseInt(rest.slice(0, space), 10);
    if (!(length > 0)) return undefined;
    const record = rest.slice(space + 1, length - 1);
    if (record.startsWith('path=')) return record.slice(5);
    rest = rest.slice(length);
  }
  return undefined;
}

/** Unpacks `file` into `dest` (created), dropping the leading `package/` of every path. */
export function unpackPackageTarball(file: string, dest: string): void {
  let archive: Buffer;
  try {
    archive = gunzipSync(readFileSync(file), { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    throw bad(file, (err as Error).message);
  }
  mkdirSync(dest, { recursive: true });
  let offset = 0;
  let longName: string | undefined;
  let files = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const data = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    if (data.length < size) throw bad(file, `${name} is cut short`);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    longName = undefined;

    if (type === 'x') longName = paxPath(data);
    else if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
    else if (type === 'g') continue;
    else if (type === '0' || type === '5') {
      const target = safePath(file, dest, name);
      if (target === undefined) continue;
      if (type === '5') mkdirSync(target, { recursive: true });
      else {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, data);
        files++;
      }
    } else {
      throw bad(
        file,
        `${name} is a link or special file (type ${type}), which plugins may not hold`,
      );
    }
  }
  if (files === 0) throw bad(file, 'it holds no files');
}

/** Where an archive path lands under `dest`, or undefined for the top folder itself. */
function safePath(file: string, dest: string, name: string): string | undefined {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length <= 1) return undefined;
  const inside = normalize(parts.slice(1).join(sep));
  if (name.startsWith('/') || inside.startsWith('..') || inside.split(sep).includes('..')) {
    throw bad(file, `${name} points outside the package`);
  }
  return join(dest, inside);
}
