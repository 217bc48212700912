import { Command } from 'commander';
import { compareNamespaces, PROJECTIONS, READ_MODEL_COLLECTIONS, rebuildReadModels } from '@partner-ledger/projections';
import { EXIT_FAILURE, UsageError } from '../errors.js';
import { positiveInt } from '../parse.js';
import { progress } from '../progress.js';
import type { CommandContext } from './context.js';

const PROJECTION_NAMES = PROJECTIONS.map((p) => p.name);

/** The `projections` command group. */
export function addProjectionsCommands(program: Command, { io, outcome, withStores, print }: CommandContext): void {
  // ----------------------------------------------------------------------------------- projections
  const projections = program.command('projections').description('read models: rebuild, list namespaces, compare');
  projections
    .command('rebuild')
    .description('rebuild read models into a fresh namespace from position 0, then swap it in atomically')
    .argument('[names...]', `projections to replay from position 0 (${PROJECTION_NAMES.join(', ')}); default all`)
    .option('--batch-size <n>', 'events folded per commit', positiveInt, 1000)
    .option('--drop-old', 'drop the previous namespace after the swap (kept by default, to compare or roll back)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
A rebuild never touches the active namespace: it fills a fresh one (rm<N+1>) while the engine keeps
serving the old one, catches up with events appended meanwhile, then activates it in one step. A
running engine switches its projections to the new namespace on its next query.

Without names every projection is replayed from position 0. With names only those are replayed; the
others are carried over from the active namespace (documents and checkpoint copied, then caught up),
so the new namespace is always complete. Run one rebuild at a time.

With --drop-old, stop the engine first or expect its projector to write a few documents into the old
namespace until it notices the swap (drop them later after \`projections list\`).

Examples:
  npm run cli -- projections rebuild
  npm run cli -- projections rebuild conversions --drop-old`,
    )
    .action(async (names: string[], opts, command: Command) => {
      const unknown = names.filter((n) => !PROJECTION_NAMES.includes(n));
      if (unknown.length) throw new UsageError(`unknown projection ${unknown.join(', ')} (known: ${PROJECTION_NAMES.join(', ')})`);
      await withStores(command, async (stores) => {
        const store = await stores.readStore();
        const bar = progress(io.stderr, 'rebuild');
        try {
          const result = await rebuildReadModels(stores.events, store, {
            projections: names,
            batchSize: opts.batchSize,
            dropOld: Boolean(opts.dropOld),
            onProgress: (done, total, info) => bar.update(done, total, `${info.events} events (${info.phase})`),
          });
          bar.finish(`rebuilt ${result.namespace} from ${result.events} event(s) in ${(result.durationMs / 1000).toFixed(1)} s`);
          const json = {
            namespace: result.namespace,
            previous: result.previous,
            replayed: result.replayed,
            carried: result.carried,
            events: result.events,
            position: result.position === null ? null : String(result.position),
            droppedPrevious: result.droppedPrevious,
            durationMs: result.durationMs,
          };
          if (opts.json) await print(JSON.stringify(json, null, 2) + '\n');
          else
            await print(
              [
                `active namespace: ${result.namespace} (was ${result.previous}${result.droppedPrevious ? ', dropped' : ', kept'})`,
                `replayed from position 0: ${result.replayed.join(', ') || '-'}`,
                `carried over and caught up: ${result.carried.join(', ') || '-'}`,
                `events read: ${result.events}, up to position ${json.position ?? '-'}`,
              ].join('\n') + '\n',
            );
        } catch (error) {
          bar.abort();
          throw error;
        }
      });
    });

  projections
    .command('list')
    .description('list read-model namespaces (rm<N>) with their checkpoints and document counts')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  npm run cli -- projections list')
    .action(async (opts, command: Command) => {
      await withStores(command, async (stores) => {
        const store = await stores.readStore();
        const active = await store.activeNamespace();
        // Read-model generations only (rm<N>); other namespaces (e.g. `config`) are not rebuilt.
        const names = [...new Set([...(await store.listNamespaces()).filter((ns) => /^rm\d+$/.test(ns)), active])].sort(
          (x, y) => Number(x.slice(2)) - Number(y.slice(2)) || x.localeCompare(y),
        );
        const rows = [];
        for (const ns of names) {
          const checkpoints: Record<string, string | null> = {};
          for (const p of PROJECTION_NAMES) {
            const c = await store.getCheckpoint(ns, p);
            checkpoints[p] = c.position === null ? null : String(c.position);
          }
          const documents: Record<string, number> = {};
          for (const c of READ_MODEL_COLLECTIONS) documents[c] = await store.count(ns, c);
          rows.push({ namespace: ns, active: ns === active, checkpoints, documents });
        }
        if (opts.json) return print(JSON.stringify(rows, null, 2) + '\n');
        const lines = rows.map(
          (r) =>
            `${r.active ? '*' : ' '} ${r.namespace}  checkpoints ${Object.entries(r.checkpoints)
              .map(([k, v]) => `${k}=${v ?? '-'}`)
              .join(' ')}  documents ${Object.entries(r.documents)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
        );
        return print(lines.join('\n') + '\n');
      });
    });

  projections
    .command('compare')
    .description('compare two namespaces document by document (exit 1 when they differ)')
    .argument('<a>', 'namespace, e.g. rm1')
    .argument('<b>', 'namespace, e.g. rm2')
    .option('--json', 'print the comparison as JSON')
    .addHelpText('after', '\nEvery field is compared, pos and timestamps included: a faithful rebuild reproduces them.\n\nExample:\n  npm run cli -- projections compare rm1 rm2')
    .action(async (a: string, b: string, opts, command: Command) => {
      await withStores(command, async (stores) => {
        const store = await stores.readStore();
        const known = new Set([...(await store.listNamespaces()), await store.activeNamespace()]);
        for (const ns of [a, b]) if (!known.has(ns)) throw new UsageError(`no namespace ${ns} (known: ${[...known].sort().join(', ')})`);
        const result = await compareNamespaces(store, a, b);
        if (opts.json) await print(JSON.stringify(result, null, 2) + '\n');
        else {
          const lines = [
            `${a} vs ${b}: ${result.equal ? 'identical' : `${result.differenceCount} difference(s)`} (${Object.entries(result.documents)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')})`,
            `checkpoints: ${Object.entries(result.checkpoints)
              .map(([p, c]) => `${p} ${c.a ?? '-'}/${c.b ?? '-'}`)
              .join(', ')}`,
            ...result.differences.map((d) => `  ${d.kind} ${d.collection} ${d.id}${d.fields ? ` fields ${d.fields.join(', ')}` : ''}`),
          ];
          await print(lines.join('\n') + '\n');
        }
        if (!result.equal) outcome.exitCode = EXIT_FAILURE;
      });
    });
}
