import { readdirSync, readFileSync } from 'node:fs';
import { processCpuSeconds } from '@partner-ledger/telemetry';

/**
 * The CPU of the RabbitMQ broker the bench talks to, when it runs on this machine: it shares the
 * two cores with the worker and the receivers, and the raw baseline has no broker, so its share is
 * part of where the time goes. Found as the Erlang VM (`beam.smp`) whose command line names
 * RabbitMQ; null for a broker elsewhere (an AMQP URL not on loopback) or where there is no /proc.
 */
export function localBrokerPid(amqpUrl: string): number | null {
  const host = new URL(amqpUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) return null;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'beam.smp') continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('rabbit')) return Number(pid);
    } catch {
      // ended between the listing and the read
    }
  }
  return null;
}

/** Starts counting the broker's CPU now; `end()` answers the seconds it used since (null when unknown). */
export function brokerCpuWindow(pid: number | null): { end(): number | null } {
  const start = pid === null ? null : processCpuSeconds(pid);
  return {
    end: () => {
      const end = pid === null ? null : processCpuSeconds(pid);
      return start !== null && end !== null ? end - start : null;
    },
  };
}
