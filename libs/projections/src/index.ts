import { approvalDueProjection } from './approval-due.projection.js';
import { commissionDailyProjection } from './commission-daily.projection.js';
import { conversionsProjection } from './conversions.projection.js';
import { partnersProjection } from './partners.projection.js';
import { payoutsProjection } from './payouts.projection.js';
import type { Projection } from './projection.js';

export * from './approval-due.projection.js';
export * from './commission-daily.projection.js';
export * from './conversions.projection.js';
export * from './partners.projection.js';
export * from './payouts.projection.js';
export * from './projection.js';
export * from './projection-runner.js';
export * from './lag.js';
export * from './fold-in-memory.js';

/** Every projection the engine runs, each with its own checkpoint. */
export const PROJECTIONS: readonly Projection[] = [partnersProjection, conversionsProjection, payoutsProjection, approvalDueProjection, commissionDailyProjection];
export * from './as-of.js';
export * from './read-side.js';
export * from './rebuild.js';
