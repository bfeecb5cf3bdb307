#!/usr/bin/env node
// The PyTorch export's tests need Debian's python3-torch (1.13; about a minute and 765 MiB): installed here,
// in the one step that needs it, when the Python the tests use cannot import torch. Then vitest runs them.
import { spawnSync } from 'node:child_process';

const python = process.env.GANVAS_PYTHON ?? '/usr/bin/python3';
const hasTorch = () => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch()) {
  if (process.env.GANVAS_PYTHON) {
    console.error(`${python} cannot import torch; install torch for it or unset GANVAS_PYTHON.`);
    process.exit(1);
  }
  console.error('tests/pytorch: installing python3-torch (Debian) for the PyTorch export tests...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args) => spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit', env });
  if (run(['apt-get', 'install', '-y', '-qq', 'python3-torch']).status !== 0) {
    run(['apt-get', 'update', '-qq']);
    if (run(['apt-get', 'install', '-y', '-qq', 'python3-torch']).status !== 0) process.exit(1);
  }
  if (!hasTorch()) {
    console.error(`${python} still cannot import torch after installing python3-torch.`);
    process.exit(1);
  }
}
const r = spawnSync('npx', ['vitest', 'run', '--config', 'tests/pytorch/vitest.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
