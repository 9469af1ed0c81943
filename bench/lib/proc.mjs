/** What /proc says about a process (Linux): CPU time, resident memory, and the peak reset. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let tick = 100;
try {
  tick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 Hz is the Linux default
}

/** utime + stime of the whole process (all threads, including the libuv pool), in milliseconds. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / tick;
  } catch {
    return NaN;
  }
}

/**
 * CPU time of all the process's live threads in nanoseconds, from /proc/<pid>/task/<tid>/schedstat
 * (the scheduler's exact run time, not tick samples): precise enough to attribute single requests.
 */
export function cpuNs(pid) {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread exited meanwhile
      }
    }
  } catch {
    return NaN;
  }
  return total;
}

/** VmRSS and VmHWM (peak resident set) in MiB. */
export function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMiB: NaN, hwmMiB: NaN };
  }
}

/** Reset VmHWM to the current RSS (Linux ≥ 4.0, same user), so the next peak is this phase's. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Track a process's peak resident memory over a phase: reset VmHWM at the start (when allowed) and
 * also poll VmRSS, so the answer is right even where clear_refs is refused.
 */
export function peakTracker(pid, everyMs = 50) {
  const resettable = resetPeak(pid);
  let polled = memory(pid).rssMiB;
  const timer = setInterval(() => {
    const { rssMiB } = memory(pid);
    if (rssMiB > polled) polled = rssMiB;
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const { rssMiB, hwmMiB } = memory(pid);
      const peak = Math.max(polled, rssMiB, resettable ? hwmMiB : 0);
      return { peakMiB: peak, method: resettable ? 'VmHWM (reset per phase) + VmRSS poll' : 'VmRSS poll (50 ms)' };
    },
  };
}

export function machine() {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    // not Linux
  }
  let memTotalMiB = NaN;
  try {
    memTotalMiB = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) / 1024;
  } catch {
    // not Linux
  }
  return { cpuModel, memTotalMiB: Math.round(memTotalMiB) };
}

export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}
