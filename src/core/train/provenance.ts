/**
 * Provenance of the pictures ganvas writes: every PNG is marked as made by a
 * trained model (IPTC digital source type `trainedAlgorithmicMedia`), with the
 * project's name, a SHA-256 of the project, the training step and the seed.
 *
 * The marks are PNG text chunks (tEXt for ASCII fields, iTXt for the UTF-8
 * project name) and an XMP packet in an iTXt chunk keyed 'XML:com.adobe.xmp'
 * (the place XMP readers such as exiftool look in a PNG). They are inserted
 * right after IHDR, before the image data; the pixels are untouched, and every
 * chunk's CRC is recomputed. Pure: bytes in, bytes out, for the CLI, the page
 * and the tests alike. What this protects against, and what not:
 * docs/provenance.md.
 */

/** IPTC NewsCodes digital source type of media made by a trained model. */
export const DIGITAL_SOURCE_TYPE = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
const XMP_KEY = 'XML:com.adobe.xmp';
const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export interface Provenance {
  /** The project's name. */
  project: string;
  /** `sha256:<hex>` of the project (see projectHash). */
  projectHash: string;
  /** The training step the generator was at. */
  step: number;
  /** The seed of the run (or of the sampling). */
  seed: number;
  /** The program that wrote the picture, e.g. 'ganvas 0.1.0' or 'ganvas export (TypeScript)'. */
  tool: string;
}

// ---- hashes ---------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/**
 * SHA-256 (FIPS 180-4) as lowercase hex. Written here because core has no
 * synchronous hash on every platform (WebCrypto's digest is async only);
 * tested against node:crypto.
 */
export function sha256Hex(input: Uint8Array | string): string {
  const msg = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const bitLen = msg.length * 8;
  const padded = new Uint8Array(((msg.length + 9 + 63) >> 6) << 6);
  padded.set(msg);
  padded[msg.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLen / 2 ** 32));
  view.setUint32(padded.length - 4, bitLen >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15] as number;
      const b = w[i - 2] as number;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as [number, number, number, number, number, number, number, number];
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + (K256[i] as number) + (w[i] as number)) >>> 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const add = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as number) + (add[i] as number)) >>> 0;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

/** `sha256:<hex>` of the project as JSON (JSON.stringify of the parsed project, as ganvas saves it). */
export function projectHash(project: unknown): string {
  return `sha256:${sha256Hex(JSON.stringify(project))}`;
}

// ---- chunks ---------------------------------------------------------------

export interface PngChunk {
  type: string;
  data: Uint8Array;
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
/** The byte arrays one after another. */
export const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function tEXt(key: string, value: string): PngChunk {
  return { type: 'tEXt', data: concat([latin1(key), new Uint8Array([0]), latin1(value)]) };
}

/** iTXt, uncompressed, no language tag: keyword, 0, flag 0, method 0, '' 0, '' 0, UTF-8 text. */
function iTXt(key: string, value: string): PngChunk {
  return {
    type: 'iTXt',
    data: concat([latin1(key), new Uint8Array([0, 0, 0, 0, 0]), new TextEncoder().encode(value)]),
  };
}

const xmlEscape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
const xmlUnescape = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] as string,
  );

/** The XMP packet: IPTC's DigitalSourceType, the creator tool, and ganvas' own fields. */
export function provenanceXmp(p: Provenance): string {
  const attr = (k: string, v: string | number) => `\n    ${k}="${xmlEscape(String(v))}"`;
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' +
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n' +
    '  <rdf:Description rdf:about=""' +
    attr('xmlns:Iptc4xmpExt', 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/') +
    attr('xmlns:xmp', 'http://ns.adobe.com/xap/1.0/') +
    attr('xmlns:ganvas', 'urn:ganvas:xmp:1.0/') +
    attr('Iptc4xmpExt:DigitalSourceType', DIGITAL_SOURCE_TYPE) +
    attr('xmp:CreatorTool', p.tool) +
    attr('ganvas:project', p.project) +
    attr('ganvas:projectHash', p.projectHash) +
    attr('ganvas:step', p.step) +
    attr('ganvas:seed', p.seed) +
    '/>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="r"?>'
  );
}

/** The text keys ganvas writes (and replaces when a picture is marked again). */
export const PROVENANCE_KEYS = [
  'Software',
  'Description',
  'DigitalSourceType',
  'ganvas:project',
  'ganvas:projectHash',
  'ganvas:step',
  'ganvas:seed',
  XMP_KEY,
] as const;

/** The chunks that mark a picture: text fields and the XMP packet. */
export function provenanceChunks(p: Provenance): PngChunk[] {
  if (!Number.isInteger(p.step) || !Number.isInteger(p.seed)) throw new Error('provenance: step and seed are integers');
  return [
    tEXt('Software', p.tool.replace(/[^\x20-\x7e]/g, '?')),
    tEXt('Description', 'AI-generated: made by a generative adversarial network trained in ganvas.'),
    tEXt('DigitalSourceType', DIGITAL_SOURCE_TYPE),
    iTXt('ganvas:project', p.project),
    tEXt('ganvas:projectHash', p.projectHash.replace(/[^\x20-\x7e]/g, '?')),
    tEXt('ganvas:step', String(p.step)),
    tEXt('ganvas:seed', String(p.seed)),
    iTXt(XMP_KEY, provenanceXmp(p)),
  ];
}

export interface ParsedChunk extends PngChunk {
  /** Offset of the chunk's length field in the file. */
  offset: number;
  crc: number;
  crcOk: boolean;
}

/** The chunks of a PNG file, CRCs checked; throws on bytes that are not a PNG or are cut short. */
export function parsePngChunks(png: Uint8Array): ParsedChunk[] {
  if (png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('not a PNG file (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: ParsedChunk[] = [];
  let o = 8;
  while (o < png.length) {
    if (o + 12 > png.length) throw new Error(`PNG cut short: a chunk header at byte ${o} runs past the end`);
    const len = view.getUint32(o);
    if (o + 12 + len > png.length) throw new Error(`PNG cut short: the chunk at byte ${o} claims ${len} bytes`);
    const typeBytes = png.subarray(o + 4, o + 8);
    const type = String.fromCharCode(...typeBytes);
    const data = png.subarray(o + 8, o + 8 + len);
    const crc = view.getUint32(o + 8 + len);
    chunks.push({ type, data, offset: o, crc, crcOk: crc32(png.subarray(o + 4, o + 8 + len)) === crc });
    o += 12 + len;
    if (type === 'IEND') break;
  }
  return chunks;
}

function encodeChunk(c: PngChunk): Uint8Array {
  const out = new Uint8Array(12 + c.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, c.data.length);
  out.set(latin1(c.type), 4);
  out.set(c.data, 8);
  view.setUint32(8 + c.data.length, crc32(out.subarray(4, 8 + c.data.length)));
  return out;
}

/** The keyword of a tEXt/iTXt/zTXt chunk, or undefined. */
function textKey(c: PngChunk): string | undefined {
  if (c.type !== 'tEXt' && c.type !== 'iTXt' && c.type !== 'zTXt') return undefined;
  const z = c.data.indexOf(0);
  return z < 0 ? undefined : String.fromCharCode(...c.data.subarray(0, z));
}

/**
 * The PNG with `chunks` inserted after IHDR; text chunks of the same keywords
 * are dropped first, so marking twice leaves one set. Other chunks are kept
 * byte for byte (with their CRCs as they were); the new ones get theirs.
 */
export function insertPngChunks(png: Uint8Array, chunks: PngChunk[]): Uint8Array {
  const parsed = parsePngChunks(png);
  if (parsed[0]?.type !== 'IHDR') throw new Error('not a PNG file (IHDR is not the first chunk)');
  const keys = new Set(chunks.map(textKey).filter((k) => k !== undefined));
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (const c of parsed) {
    const key = textKey(c);
    if (key !== undefined && keys.has(key)) continue;
    parts.push(png.subarray(c.offset, c.offset + 12 + c.data.length));
    if (c.type === 'IHDR') for (const n of chunks) parts.push(encodeChunk(n));
  }
  return concat(parts);
}

/** The PNG marked with its provenance (see provenanceChunks). */
export function markPng(png: Uint8Array, p: Provenance): Uint8Array {
  return insertPngChunks(png, provenanceChunks(p));
}

export interface PngReport {
  chunks: { type: string; length: number; crcOk: boolean }[];
  /** Every chunk's CRC matches and the file ends with IEND. */
  intact: boolean;
  /** tEXt and uncompressed iTXt fields by keyword. */
  text: Record<string, string>;
  /** The IPTC digital source type from XMP (or the text field), if any. */
  digitalSourceType?: string;
  /** ganvas' fields, where present and readable. */
  provenance?: Provenance;
  /** Whether the file holds a C2PA manifest store (a caBX chunk). */
  hasC2pa: boolean;
}

/** What a PNG says about where it came from, and whether its chunks are intact. */
export function readPngProvenance(png: Uint8Array): PngReport {
  const chunks = parsePngChunks(png);
  const text: Record<string, string> = {};
  for (const c of chunks) {
    const key = textKey(c);
    if (key === undefined) continue;
    const rest = c.data.subarray(key.length + 1);
    if (c.type === 'tEXt') text[key] = String.fromCharCode(...rest);
    else if (c.type === 'iTXt' && rest[0] === 0) {
      // flag, method, language\0, translated keyword\0, text
      let o = 2;
      o = rest.indexOf(0, o) + 1;
      o = rest.indexOf(0, o) + 1;
      if (o > 0) text[key] = new TextDecoder('utf-8').decode(rest.subarray(o));
    }
  }
  const xmp = text[XMP_KEY] ?? '';
  const xmpAttr = (name: string) => {
    const m = new RegExp(`${name}="([^"]*)"`).exec(xmp);
    return m ? xmlUnescape(m[1] as string) : undefined;
  };
  const digitalSourceType = xmpAttr('Iptc4xmpExt:DigitalSourceType') ?? text.DigitalSourceType;
  const project = text['ganvas:project'] ?? xmpAttr('ganvas:project');
  const hash = text['ganvas:projectHash'] ?? xmpAttr('ganvas:projectHash');
  const step = Number(text['ganvas:step'] ?? xmpAttr('ganvas:step'));
  const seed = Number(text['ganvas:seed'] ?? xmpAttr('ganvas:seed'));
  const tool = text.Software ?? xmpAttr('xmp:CreatorTool') ?? '';
  const last = chunks[chunks.length - 1];
  return {
    chunks: chunks.map((c) => ({ type: c.type, length: c.data.length, crcOk: c.crcOk })),
    intact: chunks.every((c) => c.crcOk) && last?.type === 'IEND',
    text,
    ...(digitalSourceType !== undefined ? { digitalSourceType } : {}),
    ...(project !== undefined && hash !== undefined && Number.isInteger(step) && Number.isInteger(seed)
      ? { provenance: { project, projectHash: hash, step, seed, tool } }
      : {}),
    hasC2pa: chunks.some((c) => c.type === 'caBX'),
  };
}
