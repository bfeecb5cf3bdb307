/**
 * `ganvas verify FILE`: what a PNG says about where it came from. The
 * provenance marks (core/train/provenance.ts), whether every chunk's CRC
 * holds, and the C2PA manifest with the state of its signature.
 * Exit 0: intact and, where signed, the signature holds; 1: a CRC or the
 * signature fails, or the file carries no provenance at all; 2: unreadable or
 * not a PNG.
 */
import { readFileSync } from 'node:fs';
import { DIGITAL_SOURCE_TYPE, type PngReport, readPngProvenance } from '../core/train/index.js';
import type { C2paReport } from './c2pa.js';
import { readBytes } from './io.js';

export interface VerifyResult {
  file: string;
  png: Omit<PngReport, 'text'> & { text: Record<string, string> };
  aiGenerated: boolean;
  c2pa?: C2paReport;
  ok: boolean;
  problems: string[];
}

export async function verifyFile(
  file: string,
  opts: { trust?: string; json?: boolean },
  write: (s: string) => void,
): Promise<number> {
  let bytes: Uint8Array;
  let report: PngReport;
  let anchors: string | undefined;
  try {
    const r = await readBytes(file);
    if (!r.ok) throw new Error(r.message);
    bytes = r.bytes;
    report = readPngProvenance(bytes);
    if (opts.trust) anchors = readFileSync(opts.trust, 'utf8');
  } catch (e) {
    process.stderr.write(`ganvas verify: ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  const problems: string[] = [];
  const broken = report.chunks.filter((c) => !c.crcOk);
  if (broken.length) problems.push(`CRC mismatch in ${broken.map((c) => c.type).join(', ')}`);
  else if (!report.intact) problems.push('the file does not end with IEND');
  const aiGenerated = report.digitalSourceType === DIGITAL_SOURCE_TYPE;
  const c2pa = report.hasC2pa ? await (await import('./c2pa.js')).verifyC2pa(bytes, anchors) : undefined;
  if (c2pa?.state === 'Invalid')
    problems.push(`C2PA signature or hashes do not hold (${c2pa.failures.map((f) => f.code).join(', ') || 'invalid'})`);
  if (!report.provenance && !report.digitalSourceType && !c2pa)
    problems.push('no provenance marks and no C2PA manifest');
  const result: VerifyResult = {
    file,
    png: report,
    aiGenerated,
    ...(c2pa ? { c2pa } : {}),
    ok: !problems.length,
    problems,
  };
  if (opts.json) {
    write(JSON.stringify(result, null, 2));
    return result.ok ? 0 : 1;
  }
  const p = report.provenance;
  const lines = [
    `${file}: PNG, ${report.chunks.length} chunks, ${broken.length ? `${broken.length} with a bad CRC` : 'every CRC holds'}`,
    `  AI-generated: ${aiGenerated ? `yes (IPTC digital source type ${DIGITAL_SOURCE_TYPE})` : report.digitalSourceType ? `source type ${report.digitalSourceType}` : 'not marked'}`,
  ];
  if (p) {
    lines.push(`  project: ${p.project} (${p.projectHash})`);
    lines.push(`  step ${p.step}, seed ${p.seed}, written by ${p.tool}`);
  }
  if (!c2pa) lines.push('  C2PA: no manifest (not signed)');
  else {
    const who = [c2pa.commonName, c2pa.issuer && `issuer ${c2pa.issuer}`].filter(Boolean).join(', ');
    const meaning =
      c2pa.state === 'Trusted'
        ? 'signature holds and the certificate chains to a trust anchor'
        : c2pa.state === 'Valid'
          ? 'signature and hashes hold; the certificate is not in a trust list (give --trust)'
          : 'signature or hashes do NOT hold';
    lines.push(`  C2PA: ${c2pa.state}: ${meaning}`);
    if (who) lines.push(`  signed by: ${who}${c2pa.signedAt ? ` at ${c2pa.signedAt}` : ''}`);
    for (const a of c2pa.actions)
      lines.push(
        `  action: ${a.action}${a.digitalSourceType ? ` (${a.digitalSourceType.split('/').pop()})` : ''}${a.softwareAgent ? ` by ${a.softwareAgent}` : ''}`,
      );
    for (const f of c2pa.failures) lines.push(`  failure: ${f.code}${f.explanation ? `: ${f.explanation}` : ''}`);
  }
  lines.push(problems.length ? `NOT OK: ${problems.join('; ')}` : 'OK');
  write(lines.join('\n'));
  return result.ok ? 0 : 1;
}
