import { Injectable } from '@nestjs/common';
import { reservationDecider, type ReservationState, type UniqueKind, uniqueStream } from '@partner-ledger/domain';
import type { CommandContext } from './command-context.js';
import { StreamRunner } from './stream-runner.js';

export interface Claim {
  kind: UniqueKind;
  value: string;
  field: string;
}

/**
 * Claims unique values for an owner before the owner's stream is written, and gives them back if
 * the command fails later, so a refused command leaves no value held.
 *
 * Every claim is first decided without writing: a value already taken is refused before anything
 * is appended, so a refused command appends nothing. Only a race lost between that check and the
 * claim (two requests for one email at the same instant) leaves a claim and its release behind.
 */
@Injectable()
export class Reservations {
  constructor(private readonly runner: StreamRunner) {}

  async claimAll(programId: string, ownerId: string, claims: Claim[], ownerStreamOf: (ownerId: string) => string, ctx: CommandContext): Promise<Claim[]> {
    const reserve = (claim: Claim) => async (state: ReservationState) => ({
      type: 'Reserve' as const,
      kind: claim.kind,
      value: claim.value,
      ownerId,
      field: claim.field,
      now: new Date(),
      currentOwnerExists: state.ownerId !== null && state.ownerId !== ownerId ? await this.runner.exists(ownerStreamOf(state.ownerId)) : true,
    });
    for (const claim of claims) {
      const { state } = await this.runner.load(uniqueStream(programId, claim.kind, claim.value), reservationDecider);
      reservationDecider.decide(await reserve(claim)(state), state);
    }
    const taken: Claim[] = [];
    try {
      for (const claim of claims) {
        const appended = await this.runner.handle(uniqueStream(programId, claim.kind, claim.value), reservationDecider, reserve(claim), ctx);
        if (appended.events.length > 0) taken.push(claim);
      }
      return taken;
    } catch (error) {
      await this.releaseAll(programId, ownerId, taken, ctx);
      throw error;
    }
  }

  /**
   * The reserve → append → release sequence of every command that creates or renames an owner of
   * unique values: claim them all, run `work` (which appends the owner's own events), and give the
   * claims back if it fails, so a refusal leaves no value held.
   */
  async withClaims<T>(programId: string, ownerId: string, claims: Claim[], ownerStreamOf: (ownerId: string) => string, ctx: CommandContext, work: () => Promise<T>): Promise<T> {
    const taken = claims.length === 0 ? [] : await this.claimAll(programId, ownerId, claims, ownerStreamOf, ctx);
    try {
      return await work();
    } catch (error) {
      await this.releaseAll(programId, ownerId, taken, ctx);
      throw error;
    }
  }

  async releaseAll(programId: string, ownerId: string, claims: Claim[], ctx: CommandContext): Promise<void> {
    for (const claim of claims) {
      await this.runner.handle(uniqueStream(programId, claim.kind, claim.value), reservationDecider, { type: 'Release', ownerId }, ctx);
    }
  }
}
