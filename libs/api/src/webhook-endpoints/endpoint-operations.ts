import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '@partner-ledger/domain';
import { BUS, type Bus } from '@partner-ledger/bus';
import {
  DELIVERY_STATUSES,
  DeliveryLog,
  type DeliveryRecord,
  type DeliverySearch,
  EndpointRepository,
  resendDeliveries,
  rotateSecret,
  type WebhookEndpoint,
} from '@partner-ledger/webhook-runtime';
import { isTopic, newWebhookSecret, testTopicOf, TOPICS } from '@partner-ledger/webhooks';
import type { Scalar } from '@partner-ledger/read-store';
import { encodeCursor, parseTime } from '../queries/read-models.js';
import type { DeliverySearchDto } from './deliveries.dto.js';

/** An endpoint as the API shows it: never its secrets (shown once, on creation and rotation). */
export const endpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  topics: e.topics,
  filter: e.filter ?? null,
  rateLimit: e.rateLimit ?? null,
  ordering: e.ordering ?? 'none',
  enabled: e.enabled,
  description: e.description,
  disabledReason: e.disabledReason,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

/** A delivery as the API shows it: the body and the program are left out (the program is in the path, or in the portal's link). */
export const deliveryView = ({ body: _body, programId: _p, ...d }: DeliveryRecord) => d;

/** The default overlap of a rotation: the old secret keeps signing for a day. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;

/**
 * What is done to one endpoint, by a program's routes (`/v1/programs/:pid/webhook-endpoints/…`)
 * and by the endpoint's consumer portal (`/v1/portal/webhook-endpoint/…`) alike: one home, so the
 * portal is the same API narrowed to the endpoint of its link.
 */
@Injectable()
export class EndpointOperations {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryLog,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  find(pid: string, id: string): Promise<WebhookEndpoint | null> {
    return this.endpoints.get(pid, id);
  }

  /** The endpoint of a program, or 404 `webhook_endpoint_not_found`. */
  async endpoint(pid: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.find(pid, id);
    if (!endpoint) throw notFound('webhook_endpoint_not_found', `webhook endpoint ${id} not found`);
    return endpoint;
  }

  /** One page of an endpoint's deliveries matching a search (parsed by the caller, so a bad one is refused before anything is read). */
  async page<T>(endpointId: string, search: DeliverySearch, after: Scalar[] | undefined, limit: number, map: (d: DeliveryRecord) => T) {
    const found = await this.deliveries.page(endpointId, search, after, limit + 1);
    const items = found.slice(0, limit);
    const last = items.at(-1);
    return { items: items.map(map), nextCursor: found.length > limit && last ? encodeCursor(DeliveryLog.cursorOf(last)) : null };
  }

  /** Sends again what a search of the endpoint's deliveries finds, one page of `limit`; `nextCursor` goes on. */
  async resendMatching(endpointId: string, search: DeliverySearch, after: Scalar[] | undefined, limit: number) {
    const { items, nextCursor } = await this.page(endpointId, search, after, limit, (d) => d);
    await resendDeliveries(this.bus, items);
    return { queued: items.length, nextCursor };
  }

  /**
   * Sends one delivery of the program again (same webhook-id and body); with `endpointId`, only one
   * of that endpoint's (a portal's link reaches no other): 404 `delivery_not_found` otherwise.
   */
  async resend(pid: string, deliveryId: string, endpointId?: string) {
    const delivery = await this.deliveries.get(deliveryId);
    if (!delivery || delivery.programId !== pid || (endpointId !== undefined && delivery.endpointId !== endpointId)) {
      throw notFound('delivery_not_found', `delivery ${deliveryId} not found`);
    }
    await resendDeliveries(this.bus, [delivery]);
    return { id: deliveryId, webhookId: delivery.webhookId, queued: true as const };
  }

  /** Queues a signed test delivery (`"test": true`) of the endpoint's first topic. */
  async sendTest(endpoint: WebhookEndpoint) {
    const topic = testTopicOf(endpoint.topics);
    const messageId = `test_${randomUUID()}`;
    await this.bus.publish([
      { messageId, topic, endpointId: endpoint.id, body: JSON.stringify({ test: true, topic, created: new Date().toISOString(), message: 'partner-ledger test delivery' }) },
    ]);
    return { queued: true as const, eventId: messageId, topic };
  }

  /** A new signing secret, answered once; the old ones keep signing beside it for the overlap. */
  async rotate(endpoint: WebhookEndpoint, overlapSeconds = DEFAULT_ROTATION_OVERLAP_SECONDS) {
    const secret = newWebhookSecret();
    const { endpoint: next, previousSecretsExpireAt } = rotateSecret(endpoint, secret, new Date(), overlapSeconds * 1000);
    await this.endpoints.save(next);
    return { ...endpointView(next), secret, previousSecretsExpireAt };
  }
}

/** The search's fields, checked: 400 naming the first bad one, before anything is read or queued. */
export function parseSearch(input: DeliverySearchDto): DeliverySearch {
  const { status, topic, partnerId, eventId } = input;
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
    throw invalid('invalid_status', `status must be one of ${DELIVERY_STATUSES.join(', ')}`, 'status');
  }
  if (topic !== undefined && !isTopic(topic)) throw invalid('unknown_topic', `topic must be one of ${TOPICS.join(', ')}`, 'topic');
  const from = parseTime(input.from, 'from');
  const to = parseTime(input.to, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw invalid('invalid_range', 'from must be before to', 'from');
  const search: DeliverySearch = { status: status as DeliverySearch['status'], topic, partnerId, eventId, from, to };
  return Object.fromEntries(Object.entries(search).filter(([, v]) => v !== undefined)) as DeliverySearch;
}
