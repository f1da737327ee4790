/**
 * Proof that no process writes a file (so no image ever reaches the disk): strace attached to
 * every thread of the watched processes records each open-for-writing, create, rename, link
 * and mkdir. Where strace is missing or not permitted, /proc/<pid>/fd is sampled instead for
 * regular files open for writing (coarser: it sees files held open for a few milliseconds).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FileWrite {
  pid: number;
  call: string;
}

export interface DiskWatch {
  method: 'strace' | 'proc-fd-sampling';
  /** Stops watching; resolves with every file-writing call seen. */
  stop(): Promise<FileWrite[]>;
}

const TRACED =
  'open,openat,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mkdir,mkdirat,truncate';
const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;
/** Device files are not the disk. */
const HARMLESS = /"\/dev\/(null|tty|pts\/\d+|urandom|random)"/;

function straceUsable(): boolean {
  const probe = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** Keeps the calls that create or write a file (failed opens count too: the intent is what matters). */
export function fileWritesIn(straceLog: string): FileWrite[] {
  const writes: FileWrite[] = [];
  for (const line of straceLog.split('\n')) {
    const match = /^(\d+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const call = match[2] ?? '';
    if (call.startsWith('---') || call.startsWith('+++') || HARMLESS.test(call)) continue;
    const isOpen = /^(open|openat|openat2)\(/.test(call);
    if (
      isOpen
        ? WRITE_FLAGS.test(call)
        : /^(creat|rename|renameat2?|link|linkat|symlink|symlinkat|mkdir|mkdirat|truncate)\(/.test(
            call,
          )
    ) {
      writes.push({ pid: Number(match[1]), call });
    }
  }
  return writes;
}

async function watchWithStrace(pids: readonly number[]): Promise<DiskWatch> {
  const dir = mkdtempSync(join(tmpdir(), 'disk-watch-'));
  const log = join(dir, 'strace.log');
  const args = [
    '-f',
    '-qq',
    '-e',
    `trace=${TRACED}`,
    '-e',
    'signal=none',
    '-o',
    log,
    ...pids.flatMap((pid) => ['-p', String(pid)]),
  ];
  const tracer: ChildProcess = spawn('strace', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  tracer.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // strace attaches before it logs anything; give it a moment, then check it did not fail.
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (tracer.exitCode !== null) throw new Error(`strace could not attach: ${stderr}`);
  const exited = new Promise((resolve) => tracer.once('exit', resolve));
  let stopped: Promise<FileWrite[]> | undefined;
  return {
    method: 'strace',
    stop() {
      stopped ??= (async () => {
        tracer.kill('SIGINT');
        await exited;
        const text = readFileSync(log, 'utf8');
        rmSync(dir, { recursive: true, force: true });
        return fileWritesIn(text);
      })();
      return stopped;
    },
  };
}

/** fdinfo flags are octal; O_WRONLY = 01, O_RDWR = 02. */
function openForWriting(pid: number, fd: string): boolean {
  try {
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const flags = parseInt(/flags:\s+(\d+)/.exec(info)?.[1] ?? '0', 8);
    return (flags & 3) !== 0;
  } catch {
    return false;
  }
}

function watchByFdSampling(pids: readonly number[]): DiskWatch {
  const seen = new Map<string, FileWrite>();
  const sample = () => {
    for (const pid of pids) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target: string;
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (!target.startsWith('/') || target.startsWith('/dev/') || target.startsWith('/proc/'))
          continue;
        if (openForWriting(pid, fd))
          seen.set(`${pid}:${target}`, { pid, call: `fd ${fd} -> ${target} open for writing` });
      }
    }
  };
  const timer = setInterval(sample, 10);
  return {
    method: 'proc-fd-sampling',
    stop() {
      clearInterval(timer);
      sample();
      return Promise.resolve([...seen.values()]);
    },
  };
}

/**
 * strace stops every thread at every system call, which slows the watched processes several
 * times over: long load runs pass `{ light: true }` for /proc sampling only.
 */
export async function watchDiskWrites(
  pids: readonly number[],
  options: { light?: boolean } = {},
): Promise<DiskWatch> {
  if (!options.light && straceUsable()) {
    try {
      return await watchWithStrace(pids);
    } catch {
      // ptrace not permitted (e.g. a locked-down CI container): fall back.
    }
  }
  return watchByFdSampling(pids);
}
