import { describe, expect, it } from '@jest/globals';
import { createLogger, PinoNestLogger } from '@partner-ledger/telemetry';
import { startTestApp } from './test-app.fixture.js';

function capture() {
  const lines: string[] = [];
  const destination = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
  return { destination, records: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('logger', () => {
  it('writes JSON lines carrying the correlation id, for requests and for unexpected errors', async () => {
    const out = capture();
    const { app, url } = await startTestApp({ logger: createLogger({ level: 'info', destination: out.destination }) });
    try {
      await (await fetch(`${url}/things/1`, { headers: { 'x-correlation-id': 'log-test-1' } })).text();
      await (await fetch(`${url}/things/boom`, { headers: { 'x-correlation-id': 'log-test-2' } })).text();
    } finally {
      await app.close();
    }
    const records = out.records();
    const completed = records.find((r) => r.correlationId === 'log-test-1' && r.msg === 'request completed');
    expect(completed).toMatchObject({ level: 30, req: { method: 'GET', url: '/things/1' }, res: { statusCode: 200 } });
    expect(typeof completed!.responseTime).toBe('number');
    expect(typeof completed!.time).toBe('string');
    // One line per request at info: the request's own fields ride on its completion line.
    expect(records.filter((r) => r.correlationId === 'log-test-1').map((r) => r.msg)).toEqual(['request completed']);

    const failure = records.find((r) => r.correlationId === 'log-test-2' && r.msg === 'unhandled error');
    expect(failure).toMatchObject({ level: 50, err: { message: expect.stringContaining('hunter2') } });
    expect(failure!.err.stack).toContain('ThingsController.boom');

    // Nest's own bootstrap messages come out as JSON too, with their context as a field.
    expect(records).toContainEqual(expect.objectContaining({ context: 'RoutesResolver', level: 30 }));
  });

  it('honours LOG_LEVEL and an explicit level', () => {
    const before = process.env.LOG_LEVEL;
    try {
      process.env.LOG_LEVEL = 'warn';
      expect(createLogger().level).toBe('warn');
      expect(createLogger({ level: 'silent' }).level).toBe('silent');
      process.env.LOG_LEVEL = 'nonsense';
      expect(createLogger().level).toBe('info');
      delete process.env.LOG_LEVEL;
      expect(createLogger().level).toBe('info');
    } finally {
      if (before === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = before;
    }
  });

  it('maps Nest logger calls onto pino levels, context and stack as fields', () => {
    const out = capture();
    const nest = new PinoNestLogger(createLogger({ level: 'trace', destination: out.destination }));
    nest.log('hello', 'Ctx');
    nest.error('failed', 'Error: failed\n    at somewhere (file.ts:1:1)', 'Ctx');
    nest.warn({ event: 'x' }, 'Ctx');
    nest.verbose('detail');
    nest.error(new Error('as error'));
    expect(out.records()).toEqual([
      expect.objectContaining({ level: 30, msg: 'hello', context: 'Ctx' }),
      expect.objectContaining({ level: 50, msg: 'failed', context: 'Ctx', stack: expect.stringContaining('at somewhere') }),
      expect.objectContaining({ level: 40, event: 'x', context: 'Ctx' }),
      expect.objectContaining({ level: 10, msg: 'detail' }),
      expect.objectContaining({ level: 50, msg: 'as error', err: expect.objectContaining({ message: 'as error' }) }),
    ]);
  });
});
