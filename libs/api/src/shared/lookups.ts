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
 */
@Injectable()
export class Lookups {
  // A program's stream holds one immutable event, so its state can be cached for good.
  private readonly programs = new Map<string, Program>();

  constructor(private readonly runner: StreamRunner) {}

  async program(programId: string): Promise<Program | null> {
    const cached = this.programs.get(programId);
    if (cached) return cached;
    const { state } = await this.runner.load(programStream(programId), programDecider);
    if (!state.exists) return null;
    this.programs.set(programId, state);
    return state;
  }

  async requireProgram(programId: string): Promise<Program> {
    const program = await this.program(programId);
    if (!program) throw notFound('program_not_found', `program ${programId} not found`);
    return program;
  }

  async partner(programId: string, partnerId: string): Promise<Partner | null> {
    const { state } = await this.runner.load(partnerStream(programId, partnerId), partnerDecider);
    return state.exists ? state : null;
  }

  async customer(programId: string, customerId: string): Promise<Customer | null> {
    const { state } = await this.runner.load(customerStream(programId, customerId), customerDecider);
    return state.exists ? state : null;
  }

  /** Owner id of a unique value (a partner key, a customer email…), or null. */
  async owner(programId: string, kind: UniqueKind, value: string): Promise<string | null> {
    const { state } = await this.runner.load(uniqueStream(programId, kind, value), reservationDecider);
    return state.ownerId;
  }

  async partnerBy(programId: string, by: EntityRef): Promise<Partner | null> {
    const id =
      by.id ??
      (by.key !== undefined ? await this.owner(programId, 'partner-key', by.key) : null) ??
      (by.email !== undefined ? await this.owner(programId, 'partner-email', normalizeEmail(by.email)) : null);
    return id ? this.partner(programId, id) : null;
  }

  async customerBy(programId: string, by: EntityRef): Promise<Customer | null> {
    const id =
      by.id ??
      (by.key !== undefined ? await this.owner(programId, 'customer-key', by.key) : null) ??
      (by.email !== undefined ? await this.owner(programId, 'customer-email', normalizeEmail(by.email)) : null);
    return id ? this.customer(programId, id) : null;
  }

  async trigger(programId: string, type: TriggerType, normalized: string) {
    const { state } = await this.runner.load(triggerStream(programId, type, normalized), conversionTriggerDecider);
    return state.exists ? state : null;
  }
}
