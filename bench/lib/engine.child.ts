import { mkdirSync } from 'node:fs';
import type { ChildHandler } from './child.js';

export interface EngineParams {
  dataDir: string;
  adminKey: string;
  /** Environment variables for loadConfig on top of the defaults below. */
  env?: Record<string, string>;
}

export const handlers: Record<string, ChildHandler> = {
  /**
   * The whole engine as `npm start` runs it (startEngine: API, projections, webhook publisher and
   * delivery worker in one process), on loopback. Its request log goes where production's would
   * (stdout at LOG_LEVEL, default info), here to /dev/null so the pipe to the parent costs nothing.
   */
  async 'engine.run'(p: EngineParams, ctl) {
    const [{ loadConfig }, { startEngine }, { pino }] = await Promise.all([import('@partner-ledger/config'), import('@partner-ledger/roles'), import('pino')]);
    const { createLogger } = await import('@partner-ledger/platform');
    mkdirSync(p.dataDir, { recursive: true });
    const level = (process.env.BENCH_LOG_LEVEL ?? 'info') as 'info';
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: p.dataDir, ADMIN_API_KEY: p.adminKey, LOG_LEVEL: level, ...p.env });
    const logger = createLogger({ level, name: 'engine', destination: pino.destination({ dest: '/dev/null', sync: false }) });
    const engine = await startEngine(config, logger);
    ctl.send({ type: 'ready', url: engine.url });
    await ctl.next('stop');
    await engine.close();
    return {};
  },
};
