import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What the numbers were measured on (written into every result file). */
export interface MachineInfo {
  cpuModel: string;
  /** Cores this process may use (cgroup/affinity aware). */
  availableParallelism: number;
  logicalCpus: number;
  totalMemoryMiB: number;
  /** 1-minute load average when the run started: > cores means other work shared the CPUs. */
  loadAverage1m: number;
  os: string;
  node: string;
  sharp: string;
  onnxruntime: string;
  gitCommit: string;
}

function packageVersion(name: string): string {
  try {
    const text = readFileSync(
      new URL(`../../node_modules/${name}/package.json`, import.meta.url),
      'utf8',
    );
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    availableParallelism: os.availableParallelism(),
    logicalCpus: os.cpus().length,
    totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    sharp: packageVersion('sharp'),
    onnxruntime: packageVersion('onnxruntime-node'),
    gitCommit: gitCommit(),
  };
}
