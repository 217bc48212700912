import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { formatAmount, loadMinor, notFound } from '@partner-ledger/domain';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { COMMISSION_TOTALS, CONVERSIONS, PAYOUTS } from '@partner-ledger/projections';
import { ApiController, problem } from '../shared/http.js';
import { Lookups } from '../shared/lookups.js';
import type { PayoutRecord } from '../shared/payout-view.js';
import { ReadModels, views } from '../queries/read-models.js';
import { INCOMING_OPTIONS, type IncomingWebhookOptions } from '../incoming-webhooks/incoming-webhook.service.js';
import { CreatePortalLinkDto, PortalLinkDto, PortalPartnerViewDto } from './portal.dto.js';
import { assertPortalOpen, mintPortalLink, portalGrantOf } from './portal-links.js';

export const PORTAL_OPTIONS = Symbol('PORTAL_OPTIONS');

export interface PortalOptions {
  /** Signs and checks portal tokens (resolvePortalSecret). */
  secret: string;
}

/** A program (or the admin) mints a link to one partner's read-only portal. */
@ApiController('portal')
export class PortalLinksController {
  constructor(
    @Inject(PORTAL_OPTIONS) private readonly options: PortalOptions,
    @Inject(INCOMING_OPTIONS) private readonly incoming: IncomingWebhookOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly lookups: Lookups,
  ) {}

  @Post('programs/:pid/partners/:partnerId/portal-links')
  @HttpCode(201)
  @ApiOperation({
    summary: "A signed, expiring link to one partner's read-only portal (their totals, conversions, payouts and referral key)",
    description: 'The link is the only credential: anyone holding it sees that partner until it expires. Nothing is stored; a disabled or denied partner sees nothing through it.',
  })
  @ApiResponse({ status: 201, type: PortalLinkDto })
  @ApiResponse({ status: 400, ...problem('expiresInSeconds out of range') })
  @ApiResponse({ status: 404, ...problem('no such program or partner') })
  @ApiResponse({ status: 403, ...problem("another program's key, or the partner is disabled or denied (`portal_closed`)") })
  async create(@Param('pid') pid: string, @Param('partnerId') partnerId: string, @Body() body: CreatePortalLinkDto, @Req() request: FastifyRequest): Promise<PortalLinkDto> {
    await this.lookups.requireProgram(pid);
    const partner = await this.lookups.partner(pid, partnerId);
    if (!partner) throw notFound('partner_not_found', `partner ${partnerId} not found`);
    assertPortalOpen(partner.status);
    return mintPortalLink(
      this.options.secret,
      'partner',
      { programId: pid, id: partnerId },
      { now: this.clock.now(), expiresInSeconds: body.expiresInSeconds, publicUrl: this.incoming.publicUrl, request },
    );
  }
}

/**
 * What a portal link shows: one partner's own data, chosen by the token alone (no program key, no
 * id in the path to alter). Commission lines of other partners on the same sale, the customer and
 * other partners' payout items are left out.
 */
@ApiTags('portal')
@ApiBearerAuth()
@Controller('v1/portal')
export class PortalController {
  constructor(
    @Inject(PORTAL_OPTIONS) private readonly options: PortalOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly lookups: Lookups,
    private readonly read: ReadModels,
  ) {}

  @Get('partner')
  @ApiOperation({ summary: "The partner portal's data: send the link's token as `Authorization: Bearer <token>`" })
  @ApiResponse({ status: 200, type: PortalPartnerViewDto })
  @ApiResponse({ status: 401, ...problem('no token, an altered or foreign token (`invalid_portal_token`), or an expired one (`portal_link_expired`)') })
  @ApiResponse({ status: 403, ...problem('the partner has since been disabled or denied (`portal_closed`)') })
  async partner(@Headers('authorization') authorization: string | undefined): Promise<PortalPartnerViewDto> {
    const grant = portalGrantOf(this.options.secret, 'partner', authorization, this.clock.now());
    const [program, partner] = await Promise.all([this.lookups.program(grant.programId), this.lookups.partner(grant.programId, grant.id)]);
    if (!program || !partner) throw notFound('partner_not_found', 'the partner of this link no longer exists');
    assertPortalOpen(partner.status);
    const { programId, id: partnerId } = grant;
    const ns = await this.read.consistent(undefined);
    const store = this.read.readSide.store;
    const [totals, conversions, payouts] = await Promise.all([
      store.find(ns, COMMISSION_TOTALS, { where: { programId, partnerId }, orderBy: [{ field: 'currency', direction: 'asc' }], limit: 200 }),
      store.find(ns, CONVERSIONS, { where: { programId, partnerId }, orderBy: [{ field: 'seq', direction: 'desc' }], limit: 100 }),
      store.find(ns, PAYOUTS, { where: { programId }, orderBy: [{ field: 'seq', direction: 'desc' }], limit: 200 }),
    ]);
    return {
      program: { id: programId, name: program.name },
      partner: { id: partnerId, name: partner.name, key: partner.key, status: partner.status },
      totals: totals.map((t) => {
        const { partnerId: _own, ...rest } = views.totals(t);
        return rest;
      }),
      conversions: conversions.map((doc) => {
        const c = views.conversion(doc);
        const own = c.commissions.find((line) => line.partnerId === partnerId);
        return {
          id: c.id,
          transactionKey: c.transactionKey,
          status: c.status,
          amount: c.amount,
          commission: own?.amount ?? formatAmount(0, c.currency),
          currency: c.currency,
          createdAt: c.createdAt,
        } as PortalPartnerViewDto['conversions'][number];
      }),
      payouts: payouts.flatMap((doc) => {
        const p = doc as unknown as PayoutRecord;
        const item = p.status === 'CANCELLED' ? undefined : p.items.find((i) => i.partnerId === partnerId);
        return item
          ? [{ id: p.payoutId, status: p.status, amount: formatAmount(loadMinor(item.amountMinor), p.currency), currency: p.currency, createdAt: p.createdAt, paidAt: p.paidAt }]
          : [];
      }),
      expiresAt: new Date(grant.exp * 1000).toISOString(),
    };
  }
}
