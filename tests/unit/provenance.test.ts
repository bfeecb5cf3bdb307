/**
 * Provenance marks on PNGs (core/train/provenance.ts): the chunks, their CRCs,
 * the pixels untouched, the fields read back; the page's download; and
 * `ganvas train` + `ganvas verify` as a user runs them, with C2PA signing by a
 * test certificate made here with openssl (never a committed key).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  crc32,
  DIGITAL_SOURCE_TYPE,
  markPng,
  type Provenance,
  parsePngChunks,
  projectHash,
  readPngProvenance,
  sha256Hex,
} from '../../src/core/train/provenance.js';
import { flipPixelByte, testCertificates } from '../fixtures/certificates.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/ganvas.js');
const dir = mkdtempSync(join(tmpdir(), 'ganvas-prov-'));

function picture(w = 7, h = 5): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < p.data.length; i++) p.data[i] = (i * 37 + 11) & 255;
  return PNG.sync.write(p);
}
const INFO: Provenance = {
  project: 'Ringe "ü" <&> 8 Gaussians',
  projectHash: projectHash({ name: 'x' }),
  step: 1234,
  seed: 42,
  tool: 'ganvas 0.1.0',
};

describe('hashes', () => {
  it('sha256Hex equals node:crypto on lengths around the block edges', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255);
      expect(sha256Hex(b)).toBe(createHash('sha256').update(b).digest('hex'));
    }
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('crc32 equals zlib', () => {
    const b = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 255);
    expect(crc32(b)).toBe(zlibCrc32(b));
  });
});

describe('markPng', () => {
  const plain = picture();
  const marked = markPng(plain, INFO);

  it('keeps the pixels: pngjs decodes the same image', () => {
    const a = PNG.sync.read(plain);
    const b = PNG.sync.read(Buffer.from(marked));
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(Buffer.compare(a.data, b.data)).toBe(0);
  });

  it('every chunk CRC is valid, the marks come right after IHDR', () => {
    const chunks = parsePngChunks(marked);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect(chunks[0]?.type).toBe('IHDR');
    const idat = chunks.findIndex((c) => c.type === 'IDAT');
    const xmp = chunks.findIndex(
      (c) => c.type === 'iTXt' && String.fromCharCode(...c.data.subarray(0, 17)) === 'XML:com.adobe.xmp',
    );
    expect(xmp).toBeGreaterThan(0);
    expect(xmp).toBeLessThan(idat);
  });

  it('reads the fields back (UTF-8 name, XMP digital source type)', () => {
    const r = readPngProvenance(marked);
    expect(r.intact).toBe(true);
    expect(r.digitalSourceType).toBe(DIGITAL_SOURCE_TYPE);
    expect(r.provenance).toEqual(INFO);
    expect(r.text['XML:com.adobe.xmp']).toContain(`Iptc4xmpExt:DigitalSourceType="${DIGITAL_SOURCE_TYPE}"`);
    expect(r.text['XML:com.adobe.xmp']).toContain('ganvas:project="Ringe &quot;ü&quot; &lt;&amp;&gt; 8 Gaussians"');
  });

  it('marking again replaces the marks instead of adding a second set', () => {
    const again = markPng(marked, { ...INFO, step: 7 });
    expect(parsePngChunks(again).length).toBe(parsePngChunks(marked).length);
    expect(readPngProvenance(again).provenance?.step).toBe(7);
  });

  it('a flipped byte shows as a CRC failure; a non-PNG is refused', () => {
    const t = new Uint8Array(marked);
    const i = parsePngChunks(t).find((c) => c.type === 'IDAT')!.offset + 9;
    t[i]! ^= 1;
    const r = readPngProvenance(t);
    expect(r.intact).toBe(false);
    expect(r.chunks.find((c) => c.type === 'IDAT')?.crcOk).toBe(false);
    expect(() => readPngProvenance(new TextEncoder().encode('GIF89a....'))).toThrow(/not a PNG/);
  });

  it('projectHash is the SHA-256 of the project JSON', () => {
    const p = { format: 'ganvas/1', name: 'n' };
    expect(projectHash(p)).toBe(`sha256:${createHash('sha256').update(JSON.stringify(p)).digest('hex')}`);
  });
});

describe('the page: Download samples', () => {
  it('pngBlob gives a PNG carrying the marks', async () => {
    // The page encodes with OffscreenCanvas; here a stand-in that encodes with pngjs, as the canvas would.
    const g = globalThis as Record<string, unknown>;
    const saved = { OffscreenCanvas: g.OffscreenCanvas, ImageData: g.ImageData };
    g.ImageData = class {
      constructor(
        readonly data: Uint8ClampedArray,
        readonly width: number,
        readonly height: number,
      ) {}
    };
    g.OffscreenCanvas = class {
      img: { data: Uint8ClampedArray; width: number; height: number } | undefined;
      constructor(
        readonly width: number,
        readonly height: number,
      ) {}
      getContext() {
        return { putImageData: (img: { data: Uint8ClampedArray; width: number; height: number }) => (this.img = img) };
      }
      async convertToBlob() {
        const p = new PNG({ width: this.width, height: this.height });
        p.data = Buffer.from(this.img!.data);
        return new Blob([new Uint8Array(PNG.sync.write(p))]);
      }
    };
    try {
      const { pngBlob } = await import('../../src/ui/train/download.js');
      const data = Uint8ClampedArray.from({ length: 4 * 6 }, (_, i) => i * 9);
      const blob = await pngBlob({ width: 3, height: 2, data }, { ...INFO, tool: 'ganvas (editor)' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const r = readPngProvenance(bytes);
      expect(r.intact).toBe(true);
      expect(r.provenance).toEqual({ ...INFO, tool: 'ganvas (editor)' });
      expect(Array.from(PNG.sync.read(Buffer.from(bytes)).data)).toEqual(Array.from(data));
    } finally {
      Object.assign(g, saved);
    }
  });
});

function ganvas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('ganvas train + verify', () => {
  it('samples carry the marks and a C2PA manifest; verify reports them, and fails on a tampered byte', () => {
    const { cert, key, ca } = testCertificates(dir);
    const out = join(dir, 'run');
    const t = ganvas(
      'train',
      'templates/toy-ring.json',
      '--steps',
      '2',
      '--out',
      out,
      '--sign-cert',
      cert,
      '--sign-key',
      key,
    );
    expect(t.code, t.stderr).toBe(0);
    const files = readdirSync(join(out, 'samples')).filter((f) => f.endsWith('.png'));
    expect(files.length).toBeGreaterThan(0);
    const file = join(out, 'samples', files[files.length - 1]!);
    const project = JSON.parse(readFileSync(join(ROOT, 'templates/toy-ring.json'), 'utf8'));

    const v = ganvas('verify', file, '--json');
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const r = JSON.parse(v.stdout);
    expect(r.aiGenerated).toBe(true);
    expect(r.png.provenance).toMatchObject({
      project: project.name,
      step: 2,
      seed: project.training.settings.seed ?? 0,
    });
    expect(r.png.provenance.projectHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.c2pa.state).toBe('Valid'); // good signature, certificate in no trust list
    expect(r.c2pa.actions[0]).toMatchObject({ action: 'c2pa.created', digitalSourceType: DIGITAL_SOURCE_TYPE });

    const trusted = ganvas('verify', file, '--trust', ca);
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toMatch(/C2PA: Trusted/);

    // One pixel byte flipped, CRC fixed up so only the signature can tell.
    const tampered = join(dir, 'tampered.png');
    writeFileSync(tampered, flipPixelByte(new Uint8Array(readFileSync(file))));
    const bad = ganvas('verify', tampered);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/C2PA: Invalid/);
    expect(bad.stdout).toMatch(/dataHash\.mismatch/);

    // Not a PNG: exit 2, a sentence.
    const notPng = ganvas('verify', join(ROOT, 'package.json'));
    expect(notPng.code).toBe(2);
    expect(notPng.stderr).toMatch(/not a PNG/);
  }, 240_000);
});

describe('ganvas generate and compare sign too', () => {
  it('generate --sign-cert/--sign-key: the grid and every sample carry a valid manifest; one of the two alone is refused', () => {
    const { cert, sec1Key, ca } = testCertificates(mkdtempSync(join(dir, 'gen-')));
    const out = join(dir, 'generate');
    const g = ganvas(
      'generate',
      'templates/dcgan-mnist.json',
      '--n',
      '2',
      '--out',
      out,
      '--sign-cert',
      cert,
      '--sign-key',
      sec1Key,
    );
    expect(g.code, g.stderr).toBe(0);
    const files = readdirSync(out).filter((f) => f.endsWith('.png'));
    expect(files.sort()).toEqual(['grid.png', 'sample-000.png', 'sample-001.png']);
    for (const f of files) {
      const v = ganvas('verify', join(out, f), '--json', '--trust', ca);
      expect(v.code, v.stdout).toBe(0);
      const r = JSON.parse(v.stdout);
      expect(r.c2pa.state).toBe('Trusted');
      expect(r.png.provenance.tool).toMatch(/^ganvas .* generate$/);
    }
    const half = ganvas(
      'generate',
      'templates/dcgan-mnist.json',
      '--n',
      '1',
      '--out',
      join(dir, 'half'),
      '--sign-cert',
      cert,
    );
    expect(half.code).toBe(2);
    expect(half.stderr).toBe('ganvas generate: C2PA signing needs both --sign-cert and --sign-key.\n');
    const wrongKey = ganvas(
      'compare',
      'templates/toy-ring.json',
      '--loss',
      'hinge',
      '--steps',
      '1',
      '--out',
      join(dir, 'cmp'),
      '--sign-cert',
      cert,
      '--sign-key',
      join(ROOT, 'package.json'),
    );
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toMatch(/^ganvas compare: /);
  }, 240_000);

  it("compare --sign-cert/--sign-key signs every run's samples", () => {
    const { cert, key } = testCertificates(mkdtempSync(join(dir, 'cmp-')));
    const out = join(dir, 'compare');
    const c = ganvas(
      'compare',
      'templates/toy-ring.json',
      '--loss',
      'hinge',
      '--loss',
      'lsgan',
      '--steps',
      '2',
      '--out',
      out,
      '--sign-cert',
      cert,
      '--sign-key',
      key,
    );
    expect(c.code, c.stderr).toBe(0);
    for (const run of ['hinge', 'lsgan']) {
      const samples = join(out, run, 'samples');
      const last = readdirSync(samples)
        .filter((f) => f.endsWith('.png'))
        .sort()
        .at(-1)!;
      const r = JSON.parse(ganvas('verify', join(samples, last), '--json').stdout);
      expect(r.c2pa.state).toBe('Valid');
      expect(r.c2pa.commonName).toBe('ganvas test signer');
    }
  }, 240_000);
});
