/**
 * The CLI's PNG writer: every picture it writes (`ganvas train` and `compare`
 * samples, and any command that writes generated pictures) is encoded here,
 * marked with its provenance (core/train/provenance.ts) and, when the person
 * gave a certificate and key, signed with C2PA content credentials.
 */
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { markPng, type Provenance, type Rgba } from '../core/train/index.js';
import type { C2paSigner } from './c2pa.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The tool string the CLI writes into pictures. */
export const CLI_TOOL = `ganvas ${pkg.version}`;

/** An RGBA picture as PNG bytes, marked as AI-generated (and C2PA-signed when `signer` is given). */
export async function encodePng(img: Rgba, provenance: Provenance, signer?: C2paSigner): Promise<Uint8Array> {
  const p = new PNG({ width: img.width, height: img.height });
  p.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const marked = markPng(PNG.sync.write(p), provenance);
  if (!signer) return marked;
  const { signPng } = await import('./c2pa.js');
  return signPng(marked, provenance, signer);
}
