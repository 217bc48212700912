import { refersionDate } from './bodies.js';
import type { EndpointTopic } from './topics.js';

/**
 * The body of ENDPOINT_CIRCUIT_OPENED and ENDPOINT_CIRCUIT_CLOSED: an endpoint's circuit breaker
 * changed state (see the README's "Throttling and the circuit breaker"). Sent to the program's
 * other endpoints subscribed to the topic, and kept in the endpoint's own deliveries log.
 */
export interface EndpointCircuitBody {
  /** The endpoint whose circuit changed. */
  endpoint_id: string;
  url: string;
  state: 'OPEN' | 'CLOSED';
  /** Failed attempts in a row when it opened; 0 when it closed. */
  consecutive_failures: number;
  /** When it changed, UTC "YYYY-MM-DD hh:mm:ss". */
  changed: string;
  /** OPEN: when a delivery will probe the endpoint; CLOSED: null. */
  next_probe: string | null;
  reason: string;
}

export interface CircuitChange {
  endpointId: string;
  programId: string;
  url: string;
  state: 'open' | 'closed';
  at: number;
  failures: number;
  probeAt: number | null;
}

export const circuitTopicOf = (change: Pick<CircuitChange, 'state'>): EndpointTopic => (change.state === 'open' ? 'ENDPOINT_CIRCUIT_OPENED' : 'ENDPOINT_CIRCUIT_CLOSED');

export function buildEndpointCircuitBody(change: CircuitChange): EndpointCircuitBody {
  return {
    endpoint_id: change.endpointId,
    url: change.url,
    state: change.state === 'open' ? 'OPEN' : 'CLOSED',
    consecutive_failures: change.failures,
    changed: refersionDate(new Date(change.at)),
    next_probe: change.probeAt === null ? null : refersionDate(new Date(change.probeAt)),
    reason: change.state === 'open' ? `${change.failures} failed attempts in a row: nothing is sent until a probe succeeds` : 'a delivery succeeded: sending resumed',
  };
}
