import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time, in microseconds, spent so far by this process (every thread: the server, the
 * load worker, the garbage collector) and by the local PostgreSQL server's processes,
 * read from /proc. On a machine whose cores are all busy, throughput is the inverse of
 * CPU per request, so this lets a benchmark say where a request's cost goes. PostgreSQL
 * on another host (or no /proc) reads as 0.
 */
export interface CpuMark {
  process: number;
  /** Each PostgreSQL process's CPU so far, by pid: a backend that exits must not count as negative. */
  postgres: Map<number, number>;
}

export function cpuNow(): CpuMark {
  const usage = process.cpuUsage();
  return { process: usage.user + usage.system, postgres: postgresCpu() };
}

/** CPU spent since `start`: this process, and PostgreSQL's processes (new ones from zero). */
export function cpuSince(start: CpuMark): { process: number; postgres: number } {
  const now = cpuNow();
  let postgres = 0;
  for (const [pid, spent] of now.postgres) postgres += spent - (start.postgres.get(pid) ?? 0);
  return { process: now.process - start.process, postgres };
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

function postgresCpu(): Map<number, number> {
  const spent = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return spent;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('postgres')) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm) ": utime and stime are the 12th and 13th (14 and 15 of the line).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      spent.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return spent;
}
