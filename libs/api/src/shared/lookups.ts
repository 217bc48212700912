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
  type ProgramEvent,
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
  // A program's identity (id, currency, key hash) never changes, so what authentication reads is
  // cached for good; its plans do change (CommissionPlanChanged), so `currentProgram` reads the tail.
  private readonly programs = new Map<string, { state: Program; revision: bigint }>();

  constructor(private readonly runner: StreamRunner) {}

  /** The program as cached: its identity is current, its plans may lag a change made since. */
  async program(programId: string): Promise<Program | null> {
    const cached = this.programs.get(programId);
    if (cached) return cached.state;
    const loaded = await this.runner.load(programStream(programId), programDecider);
    if (!loaded.state.exists || loaded.revision === 'no_stream') return null;
    this.programs.set(programId, { state: loaded.state, revision: loaded.revision as bigint });
    return loaded.state;
  }

  /**
   * The program with every plan change recorded so far, also by another engine instance: the
   * cached state plus the events appended after it (usually none: one short read), never a replay.
   */
  async currentProgram(programId: string): Promise<Program | null> {
    if (!(await this.program(programId))) return null;
    const cached = this.programs.get(programId) as { state: Program; revision: bigint };
    const newer = await this.runner.store.readStream(programStream(programId), { fromRevision: cached.revision + 1n });
    if (newer.length === 0) return cached.state;
    let state: ProgramState = cached.state;
    for (const e of newer) state = programDecider.evolve(state, { type: e.type, data: e.data } as ProgramEvent);
    if (!state.exists) return cached.state;
    const revision = newer[newer.length - 1].revision;
    // Two requests may refresh at once: keep whichever saw further.
    if ((this.programs.get(programId)?.revision ?? -1n) < revision) this.programs.set(programId, { state, revision });
    return state;
  }

  async requireCurrentProgram(programId: string): Promise<Program> {
    const program = await this.currentProgram(programId);
    if (!program) throw notFound('program_not_found', `program ${programId} not found`);
    return program;
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
