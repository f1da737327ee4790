import type { spawnSync } from 'node:child_process';

/** Debian's Python, which has the python3-torch packages (the python3 on PATH may be another). */
export const PYTHON = process.env.FINETUNE_PYTHON ?? '/usr/bin/python3';

export const INSTALL_HINT =
  'apt-get install python3-torch python3-torchvision python3-onnx python3-numpy python3-pil';

/** Why fine-tuning cannot run here (one paragraph saying how to fix it), or undefined when it can. */
export function toolchainProblem(run: typeof spawnSync): string | undefined {
  const probe = run(PYTHON, ['-c', 'import torch, torchvision, onnx, numpy, PIL'], {
    encoding: 'utf8',
  });
  if (probe.error) {
    return `Fine-tuning needs ${PYTHON} (FINETUNE_PYTHON) with PyTorch; it cannot be run: ${probe.error.message}.\nOn Debian or Ubuntu: ${INSTALL_HINT}`;
  }
  if (probe.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(probe.stderr)?.[1] ?? 'a module';
    return `Fine-tuning needs PyTorch for ${PYTHON} (FINETUNE_PYTHON), which lacks ${missing}.\nOn Debian or Ubuntu: ${INSTALL_HINT}`;
  }
  return undefined;
}
