/**
 * CPU time of the services a run talks to (the Kafka broker, ClickHouse),
 * read from /proc/<pid>/stat (utime + stime) of the process listening on
 * their port. Linux only; elsewhere (or when the listener belongs to another
 * user's namespace) the figure is null and the benchmark prints "n/a".
 *
 * The services are shared: work others send them during a run is counted
 * too, which is why rounds alternate and the table shows ranges.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

const TICKS = clockTicksPerSecond();

/** Socket inodes listening on this TCP port (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is ip:port in hex; st 0A is LISTEN; inode is the 10th column.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The pid of the process listening on this TCP port, or null. */
export function pidListeningOn(port: number): number | null {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m?.[1] && inodes.has(m[1])) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return null;
}

/** utime + stime in µs of the text of a /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat) file. */
export function statCpuMicros(stat: string): number {
  // Fields after the command name (which may contain spaces) start at state (field 3).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) / TICKS) * 1e6;
}

/** utime + stime of the process (all its threads) in µs, or null when unreadable. */
export function processCpuMicros(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return statCpuMicros(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function portOf(endpoint: string, fallback: number): number {
  const m = /:(\d+)(?:\/.*)?$/.exec(endpoint.trim());
  return m?.[1] ? Number(m[1]) : fallback;
}

/** Samples the services' CPU before and after a run. */
export class ServiceCpu {
  constructor(private readonly pids: Readonly<Record<string, number | null>>) {}

  sample(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.pids)) out[name] = processCpuMicros(pid);
    return out;
  }

  static since(before: Record<string, number | null>, after: Record<string, number | null>): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [name, b] of Object.entries(before)) {
      const a = after[name];
      out[name] = a === undefined || a === null || b === null ? null : a - b;
    }
    return out;
  }
}
