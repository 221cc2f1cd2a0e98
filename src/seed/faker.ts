// Loads faker for a locale (lazily: it is large), with English as the fallback for missing data.
import type { Faker } from '@faker-js/faker';
import { ExitCode, OmrsError } from '../errors.js';

export async function loadFaker(locale: string): Promise<Faker> {
  const { Faker: FakerClass, allLocales } = await import('@faker-js/faker');
  const key = locale.replace('-', '_');
  const definitions = (allLocales as Record<string, (typeof allLocales)['en']>)[key];
  if (!definitions)
    throw new OmrsError({
      code: 'SEED_BAD_LOCALE',
      message: `unknown seed locale "${locale}"`,
      hint: `Use a faker locale such as en, en_GB, fr, de, es, pt_BR, en_IN, en_NG (${Object.keys(allLocales).length} available).`,
      exitCode: ExitCode.usage,
    });
  return new FakerClass({ locale: [definitions, allLocales.en, allLocales.base] });
}
