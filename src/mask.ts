// How a secret looks when printed: every layer masks with the same token, and checks that read
// masked output recognise it.
export const MASK = '***';

/** Replaces every secret in `text` with the mask (secrets shorter than 3 characters are left). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join(MASK);
  return out;
}
