import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { formatAmount, invalid, loadMinor } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { COMMISSION_DAILY, DAILY_MEASURES, dayOf, emptyDay } from '@partner-ledger/projections';
import { ApiController } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { ReadModels } from '../read-models.js';
import { CommissionSeriesDto } from './commission-series.dto.js';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
/** A year and a day: one document per day, so a request costs at most this many reads. */
const MAX_DAYS = 366;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || dayOf(new Date(`${value}T00:00:00Z`)) !== value) {
    throw invalid('invalid_day', `${field} must be a day as YYYY-MM-DD`, field);
  }
  return value;
}

const nextDay = (day: string) => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));

@ApiController('commission-totals')
export class CommissionSeriesQueriesController {
  constructor(
    private readonly read: ReadModels,
    private readonly lookups: Lookups,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('programs/:pid/commission-series')
  @ApiOperation({
    summary: 'Commission over time: per UTC day, what was earned, approved and reversed',
    description: `Flows by the day they happened (the commission-daily read model). Default: the last ${DEFAULT_DAYS} days up to today, in the program's currency; at most ${MAX_DAYS} days.`,
  })
  @ApiQuery({ name: 'from', required: false, description: 'First day, YYYY-MM-DD (UTC)' })
  @ApiQuery({ name: 'to', required: false, description: 'Last day, inclusive, YYYY-MM-DD (UTC); default today' })
  @ApiQuery({ name: 'currency', required: false, description: "Default the program's currency" })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiResponse({ status: 200, type: CommissionSeriesDto })
  async series(@Param('pid') pid: string, @Query('from') fromQ?: string, @Query('to') toQ?: string, @Query('currency') currencyQ?: string, @Query('minPosition') minPosition?: string) {
    const program = await this.lookups.requireProgram(pid);
    const to = parseDay(toQ, 'to') ?? dayOf(this.clock.now());
    const from = parseDay(fromQ, 'from') ?? dayOf(new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS));
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (days < 1) throw invalid('invalid_range', 'from must not be after to', 'from');
    if (days > MAX_DAYS) throw invalid('invalid_range', `at most ${MAX_DAYS} days at a time`, 'from');
    const currency = currencyQ ?? program.currency;
    if (!/^[A-Z]{3}$/.test(currency)) throw invalid('invalid_currency', 'currency must be an ISO 4217 code such as USD', 'currency');
    const ns = await this.read.consistent(minPosition);
    const docs = await this.read.readSide.store.find(ns, COMMISSION_DAILY, {
      where: { programId: pid, currency },
      range: { field: 'day', gte: from, lt: nextDay(to) },
      orderBy: [{ field: 'day', direction: 'asc' }],
      limit: MAX_DAYS,
    });
    const byDay = new Map(docs.map((d) => [d.day as string, d]));
    const items = [];
    for (let day = from; day <= to; day = nextDay(day)) {
      const doc = byDay.get(day) ?? emptyDay();
      const item: Record<string, unknown> = { day };
      for (const measure of DAILY_MEASURES) {
        const bucket = doc[measure] as { count: number; amount: unknown };
        item[measure] = { count: bucket.count, amount: formatAmount(loadMinor(bucket.amount), currency) };
      }
      items.push(item);
    }
    return { currency, from, to, items };
  }
}
