import { Injectable } from '@nestjs/common';
import {
  customerDecider,
  type CustomerState,
  customerStream,
  normalizeEmail,
  notFound,
  type PartnerSnapshot,
  partnerDecider,
  type PartnerState,
  partnerStream,
  programDecider,
  type ProgramState,
  programStream,
  reservationDecider,
  type TriggerType,
  triggerStream,
  type UniqueKind,
  uniqueStream,
  conversionTriggerDecider,
} from '@partner-ledger/domain';
import type { ReadSet } from './stream-cache.js';
import { StreamRunner } from './stream-runner.js';

export type Program = Extract<ProgramState, { exists: true }>;
export type Partner = Extract<PartnerState, { exists: true }>;
export type Customer = Extract<CustomerState, { exists: true }>;

/** Names one partner or customer of a program by exactly one of its identifiers. */
export interface EntityRef {
  id?: string;
  key?: string;
  email?: string;
}

export const snapshotOf = (p: Partner): PartnerSnapshot => ({
  partnerId: p.partnerId,
  status: p.status,
  referringPartnerId: p.referringPartnerId,
});

/**
 * Write-side look-ups: every answer comes from the event store (an entity's own stream or a
 * reservation stream), never from a read model, so a decision never rests on a stale projection.
 *
 * Each goes through the runner's stream cache (stream-cache.ts). Given the `ReadSet` of a decision
 * (the `reads` a `StreamRunner.handle` command function receives), a cached stream is answered as
 * cached and its revision goes with the decision's append, which the store refuses if the stream
 * moved; without one, the cached stream's tail is read, so the answer is current either way.
 */
@Injectable()
export class Lookups {
  constructor(private readonly runner: StreamRunner) {}

  /**
   * The program as cached, for authentication and for scoping a request: its identity (id,
   * currency, key hash) never changes, so a cached program answers without a read; its plans may
   * lag a change made since. A decision that prices something reads `currentProgram`.
   */
  async program(programId: string): Promise<Program | null> {
    const cached = this.runner.cache.get<ProgramState>(programStream(programId), programDecider);
    if (cached?.state.exists) return cached.state;
    const { state } = await this.runner.load(programStream(programId), programDecider);
    return state.exists ? state : null;
  }

  /** The program with every plan change recorded so far, also by another engine instance. */
  async currentProgram(programId: string, reads?: ReadSet): Promise<Program | null> {
    const { state } = await this.runner.load(programStream(programId), programDecider, reads);
    return state.exists ? state : null;
  }

  async requireCurrentProgram(programId: string, reads?: ReadSet): Promise<Program> {
    const program = await this.currentProgram(programId, reads);
    if (!program) throw notFound('program_not_found', `program ${programId} not found`);
    return program;
  }

  async requireProgram(programId: string): Promise<Program> {
    const program = await this.program(programId);
    if (!program) throw notFound('program_not_found', `program ${programId} not found`);
    return program;
  }

  async partner(programId: string, partnerId: string, reads?: ReadSet): Promise<Partner | null> {
    const { state } = await this.runner.load(partnerStream(programId, partnerId), partnerDecider, reads);
    return state.exists ? state : null;
  }

  async customer(programId: string, customerId: string, reads?: ReadSet): Promise<Customer | null> {
    const { state } = await this.runner.load(customerStream(programId, customerId), customerDecider, reads);
    return state.exists ? state : null;
  }

  /** Owner id of a unique value (a partner key, a customer email…), or null. */
  async owner(programId: string, kind: UniqueKind, value: string, reads?: ReadSet): Promise<string | null> {
    const { state } = await this.runner.load(uniqueStream(programId, kind, value), reservationDecider, reads);
    return state.ownerId;
  }

  async partnerBy(programId: string, by: EntityRef, reads?: ReadSet): Promise<Partner | null> {
    const id =
      by.id ??
      (by.key !== undefined ? await this.owner(programId, 'partner-key', by.key, reads) : null) ??
      (by.email !== undefined ? await this.owner(programId, 'partner-email', normalizeEmail(by.email), reads) : null);
    return id ? this.partner(programId, id, reads) : null;
  }

  async customerBy(programId: string, by: EntityRef, reads?: ReadSet): Promise<Customer | null> {
    const id =
      by.id ??
      (by.key !== undefined ? await this.owner(programId, 'customer-key', by.key, reads) : null) ??
      (by.email !== undefined ? await this.owner(programId, 'customer-email', normalizeEmail(by.email), reads) : null);
    return id ? this.customer(programId, id, reads) : null;
  }

  async trigger(programId: string, type: TriggerType, normalized: string, reads?: ReadSet) {
    const { state } = await this.runner.load(triggerStream(programId, type, normalized), conversionTriggerDecider, reads);
    return state.exists ? state : null;
  }
}
