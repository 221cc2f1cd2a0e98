// Parsers for option values that commander hands over as strings: a bad value is a usage error (exit 2).
import { InvalidArgumentError } from 'commander';
import { isOmrsError } from '../errors.js';
import { checkEnvName } from '../render/env-name.js';

/** A whole number ≥ 0, written as digits only (so "abc", "-5", "1.5" and "1e3" are refused). */
export const wholeNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be a whole number (0 or more), not "${value}".`);
    return n;
  };

/**
 * A value that names something must not be empty: an empty `--env ''` (or OMRS_ENV='') used to fall
 * through to the default environment silently.
 */
export const nonEmpty =
  (what: string, instead: string) =>
  (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${what} must not be empty: ${instead}.`);
    return value;
  };

/** An environment name: not empty, and DNS-safe as every environment is (checked before any work). */
export const envName =
  (what: string, instead: string) =>
  (value: string): string => {
    nonEmpty(what, instead)(value);
    try {
      return checkEnvName(value);
    } catch (error) {
      if (isOmrsError(error)) throw new InvalidArgumentError(`${error.message}. ${error.hint ?? ''}`.trim());
      throw error;
    }
  };

/** A Kubernetes namespace: a DNS-1123 label (lower-case letters, digits and "-", at most 63). */
export const namespaceName = (value: string): string => {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63)
    throw new InvalidArgumentError(
      `namespace "${value}" is not a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit.`,
    );
  return value;
};
