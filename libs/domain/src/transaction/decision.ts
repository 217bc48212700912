import { type Actor, actorField } from '../actor.js';
import { optionalText } from '../validation.js';

/** Who decided and why, on every decision; both absent in events written before they were recorded. */
export interface Decision {
  actor?: Actor;
  reason?: string | null;
}

/** The actor and reason of a decision, each left out when not given (so an event reads as before). */
export function decisionFields(command: { reason?: unknown; actor?: Actor }): Decision {
  const reason = optionalText(command.reason, 'reason', 500);
  return { ...actorField(command.actor), ...(reason !== null ? { reason } : {}) };
}
