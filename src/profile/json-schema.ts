// The profile schema as JSON Schema, for editors (yaml-language-server) and other tools.
import { z } from 'zod';
import { ProfileSchema } from './schema.js';

export function profileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProfileSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  > & {
    properties: Record<string, unknown>;
  };
  schema.properties = {
    extends: {
      description:
        'profile(s) this one builds on: a name in the same folder or a relative path; later files win',
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    },
    ...schema.properties,
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://omrs.dev/schemas/profile.json',
    title: 'omrs profile',
    description:
      'An omrs profile. Keys marked "scope": "app" form the app digest and must be identical from QA to prod.',
    ...schema,
  };
}
