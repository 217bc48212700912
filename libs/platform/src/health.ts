import { Controller, Get, Header, Inject, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

/** One dependency the app cannot serve without (event store, read store, bus). */
export interface HealthIndicator {
  name: string;
  /**
   * Resolves when healthy, with a text for the check's `detail` when there is something an operator
   * should see while healthy (a projection catching up); the rejection's message becomes the
   * `detail` of a failed check.
   */
  check(): Promise<void | string>;
}

export interface HealthCheckResult {
  status: 'ok' | 'error';
  detail?: string;
}

export interface HealthReport {
  status: 'ok' | 'error';
  checks: Record<string, HealthCheckResult>;
}

/**
 * Nest has no multi-providers, so the indicators arrive as one array under this token (see
 * `PlatformModule.forRoot`).
 */
export const HEALTH_INDICATORS = Symbol('HEALTH_INDICATORS');
export const HEALTH_CHECK_TIMEOUT_MS = Symbol('HEALTH_CHECK_TIMEOUT_MS');
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 5_000;

/**
 * Checks run concurrently and each is bounded: a probe that hangs on one dead dependency would
 * otherwise hang `/health` itself, and the orchestrator would kill the process for the wrong reason.
 */
export async function runHealthChecks(indicators: readonly HealthIndicator[], timeoutMs = DEFAULT_HEALTH_CHECK_TIMEOUT_MS): Promise<HealthReport> {
  const results = await Promise.all(
    indicators.map(async (indicator): Promise<[string, HealthCheckResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const detail = await Promise.race([indicator.check(), timeout]);
        return [indicator.name, typeof detail === 'string' ? { status: 'ok', detail } : { status: 'ok' }];
      } catch (err) {
        return [indicator.name, { status: 'error', detail: err instanceof Error ? err.message : String(err) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const checks = Object.fromEntries(results);
  const status = results.every(([, r]) => r.status === 'ok') ? 'ok' : 'error';
  return { status, checks };
}

@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HEALTH_INDICATORS) private readonly indicators: HealthIndicator[],
    @Optional() @Inject(HEALTH_CHECK_TIMEOUT_MS) private readonly timeoutMs: number = DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  ) {}

  @Get()
  @Header('cache-control', 'no-store')
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await runHealthChecks(this.indicators, this.timeoutMs);
    // 503 rather than a problem+json error: load balancers read the status, operators the body.
    reply.code(report.status === 'ok' ? 200 : 503);
    return report;
  }
}
