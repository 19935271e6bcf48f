/**
 * GitHub's `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw request body
 * under the webhook secret. Pure JavaScript (@noble/hashes), since the guest has no crypto.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

const PREFIX = 'sha256=';
const DIGEST_BYTES = 32;

// The keyed HMAC state (the two pad blocks hashed once) is kept per secret and cloned for each
// body: in the guest's interpreter every compression counts, and this saves two of them.
let keyed: { secret: string; mac: ReturnType<typeof hmac.create> } | undefined;

function macOf(secret: string, body: Uint8Array): Uint8Array {
  if (keyed?.secret !== secret) {
    keyed = { secret, mac: hmac.create(sha256, new TextEncoder().encode(secret)) };
  }
  return keyed.mac.clone().update(body).digest();
}

/** Why a signature was refused, or undefined when it is the body's. */
export function signatureProblem(
  secret: string,
  body: Uint8Array,
  header: string | undefined,
): string | undefined {
  if (header === undefined || header === '') return 'the X-Hub-Signature-256 header is missing';
  const given = header.startsWith(PREFIX) ? decodeHex(header.slice(PREFIX.length)) : undefined;
  if (!given) return 'the X-Hub-Signature-256 header is not "sha256=" and 64 hex digits';
  return equalInConstantTime(given, macOf(secret, body))
    ? undefined
    : 'the X-Hub-Signature-256 does not match the body under the configured webhook_secret';
}

/** The signature header value for `body`, as GitHub would send it. */
export function signBody(secret: string, body: Uint8Array): string {
  const digest = macOf(secret, body);
  return PREFIX + [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Every byte is compared whatever the earlier ones were, so the time taken says nothing about
// how much of a forged signature was right.
function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < DIGEST_BYTES; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function decodeHex(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) return undefined;
  const out = new Uint8Array(DIGEST_BYTES);
  for (let i = 0; i < DIGEST_BYTES; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}
