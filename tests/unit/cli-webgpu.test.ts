/**
 * `ganvas train --backend webgpu` in Node goes through Dawn (the optional `webgpu` package): it trains where
 * an adapter exists, and says so in one line where none does (here: no Vulkan driver). Either outcome passes;
 * the test pins the message, not the machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('ganvas train --backend webgpu', () => {
  it('trains on a WebGPU adapter, or says in one line that there is none', () => {
    const out = mkdtempSync(join(tmpdir(), 'gv-webgpu-'));
    const r = spawnSync(
      process.execPath,
      ['bin/ganvas.js', 'train', 'templates/toy-ring.json', '--backend', 'webgpu', '--steps', '1', '--out', out],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('ganvas'));
    if (r.status === 0) {
      expect(r.stderr).toMatch(/backend webgpu \(forced webgpu\)/);
    } else {
      expect(r.status).toBe(2);
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatch(/^ganvas train: --backend webgpu: no WebGPU adapter: .* Use --backend wasm\.$/);
      // No JS error or stack trace (Dawn's own native warning about Vulkan may precede the line).
      expect(r.stderr).not.toMatch(/TypeError|reading 'features'|\.m?[jt]s:\d+/);
    }
  });
});
