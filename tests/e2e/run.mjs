// Runs the browser tests (Playwright in Debian's Chromium). Playwright's own
// browser download cannot work on a closed network, so Chromium comes from
// Debian: installed here with apt-get when missing and running as root.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('Installing Debian chromium for the browser tests (apt-get install -y chromium)...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const up = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const inst =
      up.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env }) : up;
    if (inst.status !== 0) process.exit(inst.status ?? 1);
  }
  if (!existsSync(chromium)) {
    console.error(
      `Chromium not found at ${chromium}. Install Debian's chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
    process.exit(1);
  }
}
// The page fetches the bundled digits from public/generated (npm start builds them; so does this).
if (!existsSync('public/generated/mnist.bin')) {
  const data = spawnSync(process.execPath, ['bin/ganvas.js', 'data'], { stdio: 'inherit' });
  if (data.status !== 0) process.exit(data.status ?? 1);
}
const r = spawnSync('npx', ['playwright', 'test', '-c', 'tests/e2e/playwright.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
