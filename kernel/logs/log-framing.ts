/**
 * Task log files hold the exact bytes a task wrote, in the framing Docker uses for multiplexed
 * streams: each record is an 8-byte header (stream byte, three zero bytes, big-endian uint32
 * length) followed by that many bytes. Stream 1 is stdout, 2 is stderr. Records are appended,
 * so a reader may meet a partial record at the end of a file that is still being written.
 */
export type LogStream = 'stdout' | 'stderr';

export const HEADER_BYTES = 8;

export function encodeRecord(stream: LogStream, data: Uint8Array): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(data.byteLength, 4);
  return Buffer.concat([header, data]);
}

export interface LogRecord {
  stream: LogStream;
  data: Buffer;
}

/**
 * Decodes every whole record in `buf`. Returns them with the number of bytes consumed, so the
 * caller can keep the incomplete tail for the next read.
 */
export function decodeRecords(buf: Buffer): { records: LogRecord[]; consumed: number } {
  const records: LogRecord[] = [];
  let offset = 0;
  while (buf.length - offset >= HEADER_BYTES) {
    const streamByte = buf[offset];
    const length = buf.readUInt32BE(offset + 4);
    if (buf.length - offset - HEADER_BYTES < length) break;
    const start = offset + HEADER_BYTES;
    records.push({
      stream: streamByte === 2 ? 'stderr' : 'stdout',
      data: buf.subarray(start, start + length),
    });
    offset = start + length;
  }
  return { records, consumed: offset };
}
