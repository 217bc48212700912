import type { Logger } from 'pino';
import type { Bus } from '@partner-ledger/bus';
import type { ReadStore } from '@partner-ledger/read-store';
import { buildEndpointCircuitBody, type CircuitChange, circuitTopicOf, matchesFilter, webhookIdFor } from '@partner-ledger/webhooks';
import { EndpointRepository, type WebhookEndpoint } from '../endpoints/endpoint-repository.js';
import { DeliveryLog } from './delivery-log.js';

/**
 * What a change of an endpoint's circuit leaves behind (the gate hands exactly one worker each
 * change: the one whose compare-and-set made it):
 * - an entry in the endpoint's own deliveries log, `status: event`, topic ENDPOINT_CIRCUIT_OPENED
 *   or ENDPOINT_CIRCUIT_CLOSED, the body below, no attempts;
 * - a message of that topic to every other enabled endpoint of the program subscribed to it (and
 *   whose filter matches), delivered, retried and logged like any webhook. Not to the endpoint
 *   itself: while its circuit is open nothing would reach it.
 * The event id is `circuit_<endpoint>_<ms>_<state>`, so the `webhook-id` is stable if it is resent.
 */
export class CircuitEvents {
  private readonly log: DeliveryLog;
  private readonly endpoints: EndpointRepository;

  constructor(
    private readonly bus: Bus,
    store: ReadStore,
    private readonly logger?: Logger,
  ) {
    this.log = new DeliveryLog(store);
    this.endpoints = new EndpointRepository(store);
  }

  async record(change: CircuitChange): Promise<void> {
    const topic = circuitTopicOf(change);
    const body = JSON.stringify(buildEndpointCircuitBody(change));
    const eventId = `circuit_${change.endpointId}_${change.at}_${change.state}`;
    const webhookId = webhookIdFor(eventId, change.endpointId);
    this.logger?.warn({ endpointId: change.endpointId, state: change.state, failures: change.failures }, `webhooks: endpoint circuit ${change.state}`);
    await this.log.note(
      { id: DeliveryLog.idOf(change.endpointId, webhookId), programId: change.programId, endpointId: change.endpointId, eventId, webhookId, topic, body },
      new Date(change.at).toISOString(),
    );
    const recipients: WebhookEndpoint[] = [];
    for (const endpoint of await this.endpoints.subscribers(change.programId, topic)) {
      if (endpoint.id !== change.endpointId && (await matchesFilter(endpoint.filter, JSON.parse(body)))) recipients.push(endpoint);
    }
    if (recipients.length) await this.bus.publish(recipients.map((e) => ({ messageId: eventId, topic, endpointId: e.id, body })));
  }
}
