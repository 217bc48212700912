/**
 * Who decided: recorded on every decision about a conversion (approve, deny, reopen, refund) so a
 * conversion's history says who did what. One type for every decision, payouts included.
 *
 * - `ADMIN`: a request with the admin key (no `id`: there is one admin key).
 * - `PROGRAM_KEY`: a request with a program's own key; `id` is the program id.
 * - `INCOMING_WEBHOOK`: a command an incoming webhook ran; `id` is the incoming webhook's id.
 * - `ENGINE`: the engine's own process; `rule` names the rule that decided (e.g. auto-approval).
 */
export const ACTOR_TYPES = ['ADMIN', 'PROGRAM_KEY', 'INCOMING_WEBHOOK', 'ENGINE'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface Actor {
  type: ActorType;
  id?: string;
  rule?: string;
}

/** The actor as an event field: left out when unknown, so commands given none write what they always wrote. */
export const actorField = (actor: Actor | undefined): { actor?: Actor } => (actor ? { actor } : {});
