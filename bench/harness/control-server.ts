/**
 * A do-nothing HTTP server in its own process: probed next to a saturated service, its latency
 * is what the machine's scheduler alone costs (CPU contention), as opposed to a blocked event
 * loop in the service.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const SOURCE = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

export interface ControlServer {
  url: string;
  stop(): void;
}

export async function startControlServer(): Promise<ControlServer> {
  const child = spawn(process.execPath, ['-e', SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`control server exited (${code})`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      resolve(Number(line));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => {
      child.kill('SIGKILL');
    },
  };
}
