// Rules about the waivers themselves: a waiver needs a reason and an expiry, and expires.
import type { RuleMeta } from '../types.js';

export const EXPIRED_WAIVER = 'OMRS-WAIVER-001';
export const UNKNOWN_WAIVER = 'OMRS-WAIVER-002';

export const waiverRules: RuleMeta[] = [
  {
    id: EXPIRED_WAIVER,
    title: 'Waivers are not expired',
    severity: 'high',
    scope: 'manifests',
    levels: ['dev', 'qa', 'prod'],
    why: 'A waiver is a dated promise to fix something; after its date the finding it hid counts again.',
    fix: 'Fix the waived finding, or renew the waiver (checks.waivers[].expires) with a new reason.',
  },
  {
    id: UNKNOWN_WAIVER,
    title: 'Waivers name existing rules',
    severity: 'low',
    scope: 'manifests',
    levels: ['qa', 'prod'],
    why: 'A waiver for a rule id that does not exist waives nothing (typo or a renamed rule).',
    fix: 'Use an id from `omrs check --list`.',
  },
];
