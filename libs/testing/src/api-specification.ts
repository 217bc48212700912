// Application-layer specifications in the style of Emmett's ApiSpecification: given events in a
// real SQLite event store → one HTTP call to a real engine on loopback → the response and exactly
// the events that call appended. Not a spec itself (jest matches *.spec.ts).
import { expect } from './jest-expect.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { hashKey, newProgramKey } from '@partner-ledger/api';
import { programDecider, programStream } from '@partner-ledger/domain';
import { SqliteEventStore } from '@partner-ledger/event-store';
import { DATABASE_FILE } from '@partner-ledger/config';
import { startTestEngine, type TestEngine } from './engine.fixture.js';
import type { Res } from './http-helpers.js';
import { expectProblem } from './http-helpers.js';

/** An event as a specification states it: the stream it belongs to, its type and data. */
export interface StreamEvent {
  stream: string;
  type: string;
  data: unknown;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** Bearer key; the admin key when absent. */
  key?: string;
  headers?: Record<string, string>;
}

/** An expected event: the stream may be a matcher too (ids the engine generates). */
export type ExpectedEvent = Omit<StreamEvent, 'stream'> & { stream: unknown };

export interface ApiExpectation {
  status: number;
  /** Compared with toMatchObject: asymmetric matchers welcome. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Every event the call appended, in order, compared with toEqual. */
  events: ExpectedEvent[];
}

/** A program's id, key and the ProgramCreated event that makes it exist, decided by the domain. */
export function givenProgram(plan: { currency?: string; commission?: { type: string; amount: string } } = {}) {
  const programId = `prg_${randomBytes(10).toString('hex')}`;
  const apiKey = newProgramKey(programId);
  const [created] = programDecider.decide(
    {
      type: 'CreateProgram',
      programId,
      name: 'Spec program',
      currency: plan.currency ?? 'USD',
      commission: plan.commission ?? { type: 'PERCENT_OF_SALE', amount: '10' },
      apiKeyHash: hashKey(apiKey),
    },
    programDecider.initialState(),
  );
  return { programId, apiKey, event: { stream: programStream(programId), type: created.type, data: created.data } satisfies StreamEvent };
}

/**
 * One engine per spec file; each scenario states its own streams (fresh program ids keep scenarios
 * apart). The given events are written through a second connection to the engine's SQLite file,
 * as another writer would: the write side reads the store, never a read model, so it sees them.
 */
export class ApiSpecification {
  private constructor(readonly engine: TestEngine) {}

  static async start(): Promise<ApiSpecification> {
    return new ApiSpecification(await startTestEngine());
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }

  given(...events: StreamEvent[]) {
    return {
      when: (request: ApiRequest) => ({
        then: async (expected: ApiExpectation): Promise<Res> => {
          const { res, appended } = await this.run(events, request);
          expect({ status: res.status, body: res.status === expected.status ? '(ok)' : res.body }).toEqual({ status: expected.status, body: '(ok)' });
          if (expected.body !== undefined) expect(res.body).toMatchObject(expected.body as object);
          for (const [name, value] of Object.entries(expected.headers ?? {})) expect(res.headers.get(name)).toBe(value);
          expect(appended).toEqual(expected.events);
          return res;
        },
        /** Refused with this problem+json, and nothing appended. */
        thenRefused: async (status: number, code: string, field?: string): Promise<Res> => {
          const { res, appended } = await this.run(events, request);
          expectProblem(res, status, code, field);
          expect(appended).toEqual([]);
          return res;
        },
      }),
    };
  }

  private async run(given: StreamEvent[], request: ApiRequest): Promise<{ res: Res; appended: StreamEvent[] }> {
    const store = SqliteEventStore.open(join(this.engine.dataDir, DATABASE_FILE));
    try {
      for (const e of given) await store.appendToStream(e.stream, [{ type: e.type, data: e.data }]);
      const after = await store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 });
      const res = await this.engine.call(request.method, request.path, request.body, request.key, request.headers);
      const appended = await store.readAll({ fromPosition: (after[0]?.position ?? 0n) + 1n });
      return { res, appended: appended.map((e) => ({ stream: e.streamName, type: e.type, data: e.data })) };
    } finally {
      await store.close();
    }
  }
}
