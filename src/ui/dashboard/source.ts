// The dashboard's source is part of the Runtime (src/runtime/runtime.ts): `runtime.dashboardSource()`.
export type { DashboardSource } from '../../runtime/runtime.js';
