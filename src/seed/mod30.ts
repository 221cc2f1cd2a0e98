// The OpenMRS ID check character: Luhn mod-N over the idgen base-30 alphabet, exactly as
// org.openmrs.module.idgen.validator.LuhnMod30IdentifierValidator computes it.

export const MOD30_ALPHABET = '0123456789ACDEFGHJKLMNPRTUVWXY';
export const LUHN_MOD30_VALIDATOR = 'org.openmrs.module.idgen.validator.LuhnMod30IdentifierValidator';

/** The check character for `base` (characters of the mod-30 alphabet only). */
export function mod30CheckChar(base: string): string {
  const n = MOD30_ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = base.length - 1; i >= 0; i--) {
    const codePoint = MOD30_ALPHABET.indexOf(base.charAt(i).toUpperCase());
    if (codePoint < 0)
      throw new Error(`invalid character ${JSON.stringify(base.charAt(i))} for a mod-30 identifier`);
    let addend = factor * codePoint;
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / n) + (addend % n);
    sum += addend;
  }
  return MOD30_ALPHABET.charAt((n - (sum % n)) % n);
}

/** `base` followed by its check character. */
export const withMod30Check = (base: string | number): string => `${base}${mod30CheckChar(String(base))}`;

/** Whether `identifier` ends with the right check character. */
export function isValidMod30(identifier: string): boolean {
  if (identifier.length < 2) return false;
  try {
    return mod30CheckChar(identifier.slice(0, -1)) === identifier.slice(-1).toUpperCase();
  } catch {
    return false;
  }
}
