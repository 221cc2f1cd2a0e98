// How a secret looks when printed: every layer masks with the same token, and checks that read
// masked output recognise it. Also how any text a user typed is printed in a message (`printable`).
export const MASK = '***';

/** Names of variables and keys that hold secrets (OMRS_ADMIN_PASSWORD, apiKey, db-token…). */
export const SECRET_NAME = /secret|password|passwd|token|credential|private[_-]?key|api[_-]?key/i;

/** Replaces every secret in `text` with the mask (secrets shorter than 3 characters are left). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join(MASK);
  return out;
}

// A scheme as people type it, also when mistyped: `mysql://`, `mysql:/`, `mysql//`. A bare
// `mysql:` is not taken as a scheme: in `mysql:u:pw@h` everything after the first `:` is masked.
const SCHEME = /^[^A-Za-z0-9]*?(?:[A-Za-z][A-Za-z0-9+.-]*(?::\/\/?|\/\/))/;
// An `@` that starts an image digest (`name@sha256:…`) ends no userinfo.
const DIGEST_AT = /@sha(256|384|512):/gi;

/**
 * `text` with the password of every userinfo-shaped part (`user:password@`) replaced by the mask,
 * for well-formed URLs and for the mistyped ones a user may pass (`mysql//u:pw@h`, `mysql:/u:pw@h`,
 * `mysql:u:pw@h`, `u:pw@h`), and for passwords that contain `@` or are percent-encoded. A part is
 * a run of non-space characters; its userinfo ends at its last `@`. Masking too much is preferred
 * to printing part of a password. Call it on every string that may hold a URL before building a
 * message with it.
 */
export function maskCredentials(text: string): string {
  return text.replace(/\S+/g, maskPart);
}

function maskPart(part: string): string {
  const at = lastUserinfoAt(part);
  if (at === -1) return part;
  const userStart = SCHEME.exec(part)?.[0].length ?? 0;
  const colon = part.indexOf(':', userStart);
  if (colon === -1 || colon >= at || colon + 1 === at) return part;
  return part.slice(0, colon + 1) + MASK + part.slice(at);
}

function lastUserinfoAt(part: string): number {
  const digests = new Set([...part.matchAll(DIGEST_AT)].map((m) => m.index));
  for (let i = part.lastIndexOf('@'); i !== -1; i = i === 0 ? -1 : part.lastIndexOf('@', i - 1))
    if (!digests.has(i)) return i;
  return -1;
}

// Every C0 control character but the newline, DEL and the C1 controls: printed raw they move the
// cursor, recolour or clear the terminal (ESC), or hide what follows (CR).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
const NAMED: Record<string, string> = { '\t': '\\t', '\r': '\\r' };
/** A run of over 200 non-space characters is a value, not prose: it is shortened. */
const LONG_VALUE = /\S{201,}/g;
const KEEP_OF_VALUE = 80;
/** No line of a message is longer than this: with "Error CODE: " before it, a line stays under 400. */
const MAX_LINE = 320;
const KEEP_OF_LINE = 240;

const shorten = (text: string, keep: number): string => `${text.slice(0, keep)}… (${text.length} characters)`;

/**
 * `text` made safe to print in a message, whatever the user typed into it: control characters
 * (but the newline) escaped (`\x1b`, `\t`), a value longer than 200 characters shortened to its
 * start and "… (N characters)", and no line longer than 320 characters. Mask credentials first:
 * shortening never cuts a password in two.
 */
export function printable(text: string): string {
  return text
    .replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .split('\n')
    .map((line) => {
      const short = line.replace(LONG_VALUE, (value) => shorten(value, KEEP_OF_VALUE));
      return short.length > MAX_LINE ? shorten(short, KEEP_OF_LINE) : short;
    })
    .join('\n');
}
