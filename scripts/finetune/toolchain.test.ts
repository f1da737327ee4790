import assert from 'node:assert/strict';
import type { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { INSTALL_HINT, toolchainProblem } from './toolchain.js';

/** A spawnSync that answers as a Python with the given outcome would. */
const python = (answer: { status?: number; stderr?: string; error?: Error }) =>
  (() => ({
    status: answer.status ?? 0,
    stderr: answer.stderr ?? '',
    error: answer.error,
  })) as unknown as typeof spawnSync;

describe('fine-tuning toolchain check', () => {
  it('passes when the modules import', () => {
    assert.equal(toolchainProblem(python({ status: 0 })), undefined);
  });
  it('names the missing module and how to install it', () => {
    const problem = toolchainProblem(
      python({ status: 1, stderr: "ModuleNotFoundError: No module named 'torch'\n" }),
    );
    assert.match(problem ?? '', /lacks torch\.\n/);
    assert.ok(problem?.endsWith(INSTALL_HINT));
  });
  it('says so when there is no such Python', () => {
    const problem = toolchainProblem(python({ error: new Error('spawn /usr/bin/python3 ENOENT') }));
    assert.match(problem ?? '', /cannot be run: spawn \/usr\/bin\/python3 ENOENT\./);
  });
});
