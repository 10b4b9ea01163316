import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU time and memory of processes, read from /proc (Linux), so every process of a run
 * (servers, bus, load generators, the orchestrator) is measured the same way without
 * asking it anything.
 */

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of `pid` in microseconds, or undefined when it is gone. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: split after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1e6) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Resident set size of `pid` in bytes (VmRSS), or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy, interrupt and total jiffies of the whole machine (first line of /proc/stat).
 *  Interrupt time (irq + softirq: loopback TCP is mostly softirq work) is charged to no
 *  process, so it is kept apart from "other processes". */
export function machineCpu(): { busy: number; irq: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  return { busy: total - idle, irq: (values[5] ?? 0) + (values[6] ?? 0), total };
}

/** A named process whose CPU is recorded, e.g. { role: 'server', name: 'switchboard#1', pid }.
 *  'standby': started by the bench but not under load in this window (the history
 *  workload's other cluster): neither the measured server's CPU nor "other". */
export interface Watched {
  role: 'server' | 'bus' | 'loadgen' | 'publisher' | 'orchestrator' | 'standby';
  name: string;
  pid: number;
}

export interface CpuSnapshot {
  at: number;
  micros: Map<number, number>;
  machine: { busy: number; irq: number; total: number };
}

export function snapshot(watched: readonly Watched[]): CpuSnapshot {
  const micros = new Map<number, number>();
  for (const w of watched) micros.set(w.pid, cpuMicros(w.pid) ?? Number.NaN);
  return { at: performance.now(), micros, machine: machineCpu() };
}

export interface CpuUse {
  name: string;
  role: Watched['role'];
  /** CPU time spent in the window, µs. */
  cpuMicros: number;
  /** Share of one core over the window, % (200 % = both cores of a 2-core machine). */
  percent: number;
}

export interface CpuWindow {
  seconds: number;
  processes: CpuUse[];
  /** Whole-machine busy share of all cores, % (100 % = every core busy). */
  machineBusyPercent: number;
  /** Interrupt work (irq + softirq, mostly loopback TCP), one-core % like `percent`. */
  irqPercent: number;
  /** CPU used by processes the bench did not start, one-core % like `percent`: another
   *  job on the machine (a test run, a build) shows here. */
  otherPercent: number;
}

export function cpuBetween(watched: readonly Watched[], before: CpuSnapshot, after: CpuSnapshot): CpuWindow {
  const seconds = (after.at - before.at) / 1000;
  const processes = watched.map((w) => {
    const used = (after.micros.get(w.pid) ?? Number.NaN) - (before.micros.get(w.pid) ?? Number.NaN);
    return { name: w.name, role: w.role, cpuMicros: used, percent: (used / 1e6 / seconds) * 100 };
  });
  const total = after.machine.total - before.machine.total;
  const machineBusyPercent = total > 0 ? ((after.machine.busy - before.machine.busy) / total) * 100 : Number.NaN;
  const ours = processes.reduce((sum, p) => sum + (Number.isFinite(p.percent) ? p.percent : 0), 0);
  const cores = cpus().length;
  const irqPercent = total > 0 ? ((after.machine.irq - before.machine.irq) / total) * 100 * cores : Number.NaN;
  const otherPercent = Math.max(0, machineBusyPercent * cores - irqPercent - ours);
  return { seconds, processes, machineBusyPercent, irqPercent, otherPercent };
}

/** Sum of the CPU µs of the processes with one of `roles` in a window. */
export function roleMicros(window: CpuWindow, ...roles: Watched['role'][]): number {
  return window.processes.filter((p) => roles.includes(p.role)).reduce((sum, p) => sum + p.cpuMicros, 0);
}
