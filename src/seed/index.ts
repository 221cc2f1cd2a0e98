// The seeding use cases: seed, purge, status, plus the helpers a runtime needs to build a target.
export { seed } from './run.js';
export { seedTenant } from './step.js';
export { purge } from './purge.js';
export { seedStatus, type RunSummary } from './status.js';
export { urlTarget } from '../platform/database.js';
