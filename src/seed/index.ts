// The seeding use cases: seed, purge, status, plus the helpers a runtime needs to build a target.
export { seed, type SeedOptions, type SeedResult } from './run.js';
export { seedTenant } from './step.js';
export { purge, type PurgeResult } from './purge.js';
export { seedStatus, type RunSummary } from './status.js';
export { urlTarget, parseDbUrl, type SeedTarget } from './target.js';
export { resolvePlan, expectedRows, SIZE_PRESETS, SEED_SIZES, type SeedSize, type SeedPlan } from './plan.js';
export { LEDGER_TABLE } from './ledger.js';
