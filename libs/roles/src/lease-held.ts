import { Gauge, type Registry } from 'prom-client';
import type { SingleActive } from '@partner-ledger/leases';

const KEEPERS = new WeakMap<Registry, SingleActive[]>();

/**
 * `lease_held{lease}`: one gauge per app, whichever single-active roles (projector, publisher)
 * the app runs, so each role module adds its keeper to the gauge of its app's registry.
 */
export function registerLeaseHeld(registry: Registry, keeper: SingleActive): void {
  let keepers = KEEPERS.get(registry);
  if (!keepers) {
    const list: SingleActive[] = [];
    keepers = list;
    KEEPERS.set(registry, list);
    new Gauge({
      name: 'lease_held',
      help: '1 while this instance holds the lease of a single-active role (and runs it), 0 while it waits as a standby',
      labelNames: ['lease'],
      registers: [registry],
      collect() {
        for (const k of list) this.set({ lease: k.name }, k.isActive ? 1 : 0);
      },
    });
  }
  keepers.push(keeper);
}
