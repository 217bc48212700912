import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/*
 * CPU time by thread, from Linux's /proc. The engine runs on several threads: the main thread
 * (HTTP, commands, projections), its webhook threads (WEBHOOK_THREADS), and the runtime's own
 * helpers (V8's compiler and garbage-collector threads, libuv's pool). process.cpuUsage() sums
 * them all; this tells them apart, so that "where does the CPU go" has an answer per thread
 * (`process_thread_cpu_seconds_total` on /metrics, and the bench's notes).
 */

/** /proc counts CPU time in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;
/** The kernel keeps 15 bytes of a thread's name (TASK_COMM_LEN less its terminator). */
const MAX_NAME_BYTES = 15;
/** Threads we named start with this; any other thread but the main one is the runtime's. */
const PREFIX = 'pl-';

/** The label of the process's main thread. */
export const MAIN_THREAD = 'main';
/** The label of every thread the runtime started (V8, libuv, the inspector). */
export const RUNTIME_THREADS = 'runtime';

/**
 * Names the calling thread in the OS (`top -H`, `ps -L`, /proc) as `pl-<name>`, cut to 15 bytes,
 * so that its CPU time can be told apart. For worker threads only: renaming the main thread would
 * rename the process in `ps`. Answers false where there is no /proc (not Linux); nothing else
 * depends on the name.
 */
export function nameThisThread(name: string): boolean {
  try {
    writeFileSync('/proc/thread-self/comm', Buffer.from(`${PREFIX}${name}`).subarray(0, MAX_NAME_BYTES));
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU seconds (user + system) used so far by the threads of this process that are alive now,
 * summed by label: `main`, each thread named by `nameThisThread` under its name, and `runtime` for
 * the rest. A thread that ended takes its time with it (a restarted webhook thread counts from
 * zero). Null where there is no /proc (not Linux).
 */
export function threadCpuSeconds(): Map<string, number> | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const pid = String(process.pid);
  const seconds = new Map<string, number>();
  for (const tid of tids) {
    let stat: string;
    let comm: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // ended between the listing and the read
    }
    const used = cpuSecondsOfStat(stat);
    if (used === null) continue;
    const label = tid === pid ? MAIN_THREAD : comm.startsWith(PREFIX) ? comm.slice(PREFIX.length) : RUNTIME_THREADS;
    seconds.set(label, (seconds.get(label) ?? 0) + used);
  }
  return seconds;
}

/**
 * CPU seconds (user + system) of another process so far, all its threads (the bench reads the
 * local message broker's this way). Null where there is no such process or no /proc.
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    return cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** utime + stime of a proc_pid_stat(5) line, in seconds; null when the line does not parse. */
function cpuSecondsOfStat(stat: string): number | null {
  // After the name in parentheses (which may itself hold spaces and parentheses): the state is
  // field 3 of proc_pid_stat(5), utime and stime fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : null;
}
