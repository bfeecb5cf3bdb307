/**
 * C2PA content credentials for the PNGs ganvas writes, the same in the CLI and
 * the page: the manifest (the action `c2pa.created`, the digital source type
 * trainedAlgorithmicMedia and the ganvas fields), the COSE_Sign1 (ES256,
 * x5chain in the protected header) around the claim bytes that c2pa-rs hands
 * over, and the reading of a manifest store. The library
 * (@contentauth/c2pa-wasm, c2pa-rs built to WebAssembly) and the signature
 * itself come from the caller: node:crypto in the CLI (src/cli/c2pa.ts),
 * WebCrypto in the page (src/ui/train/c2pa.ts). Pure: no I/O, no platform API
 * beyond Blob-like objects. See docs/provenance.md for what this proves.
 */
import { concat, DIGITAL_SOURCE_TYPE, type Provenance } from './provenance.js';

/** The parts of @contentauth/c2pa-wasm used here (its module, initialized by the caller). */
export type C2paLib = Pick<typeof import('@contentauth/c2pa-wasm'), 'WasmBuilder' | 'WasmReader'>;

/** Who signs: the certificate chain and an ES256 signature function. */
export interface C2paSigner {
  /** The signing certificate first, then its intermediates (DER). */
  chain: Uint8Array[];
  /** ECDSA P-256 with SHA-256 over `message`, as r || s (64 bytes, IEEE P1363: what COSE wants). */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** Who signed, for messages: the certificate's subject. */
  subject: string;
}

/**
 * c2pa-wasm is built for browser workers: it reads Blobs with FileReaderSync,
 * which neither Node nor a page's main thread has. It gets byte-array "blobs"
 * (size, slice) instead, and `withFileReaderSync` a FileReaderSync that reads them.
 */
class BytesBlob {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  slice(start = 0, end = this.bytes.length): BytesBlob {
    return new BytesBlob(this.bytes.subarray(start, Math.min(end, this.bytes.length)));
  }
}
/** What c2pa-wasm takes for a file: a DOM Blob in its types (core is typed without the DOM). */
type WasmBlob = Parameters<ReturnType<C2paLib['WasmBuilder']['fromJson']>['sign']>[2];
const asBlob = (bytes: Uint8Array) => new BytesBlob(bytes) as unknown as WasmBlob;

/** Installs, where there is none, a FileReaderSync that reads BytesBlobs (a worker's own one is left alone). */
export function withFileReaderSync(): void {
  const g = globalThis as { FileReaderSync?: unknown };
  g.FileReaderSync ??= class {
    readAsArrayBuffer(b: BytesBlob): ArrayBuffer {
      return new Uint8Array(b.bytes).buffer; // a copy: the bytes may be a view on a larger buffer
    }
  };
}

// ---- minimal CBOR (RFC 8949), enough for a COSE_Sign1 ----------------------

type Cbor = number | string | Uint8Array | null | Cbor[] | Map<number | string, Cbor> | { tag: number; value: Cbor };

function cborHead(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >>> 8, n & 0xff);
  return Uint8Array.of(m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** The CBOR encoding of `v` (definite lengths, maps in insertion order). */
export function cbor(v: Cbor): Uint8Array {
  if (v === null) return Uint8Array.of(0xf6);
  if (typeof v === 'number') return v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v);
  if (typeof v === 'string') {
    const s = new TextEncoder().encode(v);
    return concat([cborHead(3, s.length), s]);
  }
  if (v instanceof Uint8Array) return concat([cborHead(2, v.length), v]);
  if (Array.isArray(v)) return concat([cborHead(4, v.length), ...v.map(cbor)]);
  if (v instanceof Map) return concat([cborHead(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  return concat([cborHead(6, v.tag), cbor(v.value)]);
}

// ---- signing ---------------------------------------------------------------

/** Bytes reserved for the signature box; the COSE_Sign1 is padded to exactly this. */
export const C2PA_RESERVE = 12_000;

/** COSE_Sign1 (tag 18) over the claim, ES256, x5chain in the protected header, padded to `size` bytes. */
export async function coseSign1(claim: Uint8Array, signer: C2paSigner, size: number): Promise<Uint8Array> {
  const chain = signer.chain.length === 1 ? (signer.chain[0] as Uint8Array) : signer.chain;
  const protectedHeader = cbor(
    new Map<number, Cbor>([
      [1, -7],
      [33, chain],
    ]),
  );
  const sig = await signer.sign(cbor(['Signature1', protectedHeader, new Uint8Array(0), claim]));
  if (sig.length !== 64) throw new Error(`C2PA: an ES256 signature is 64 bytes (r || s), not ${sig.length}`);
  const build = (pad: number) =>
    cbor({ tag: 18, value: [protectedHeader, new Map([['pad', new Uint8Array(pad)]]), null, sig] });
  let pad = size - build(0).length;
  let out = build(Math.max(0, pad));
  // The pad's own length header may grow by a byte or two: shrink until it fits exactly.
  while (out.length > size && pad > 0) {
    pad -= out.length - size;
    out = build(Math.max(0, pad));
  }
  if (out.length !== size) throw new Error(`C2PA: the signature does not fit ${size} bytes (${out.length})`);
  return out;
}

/** The manifest definition: one `c2pa.created` action, trainedAlgorithmicMedia, the ganvas fields as parameters. */
export function c2paManifest(p: Provenance): Record<string, unknown> {
  return {
    claim_generator_info: [{ name: 'ganvas', version: p.tool.replace(/^ganvas\s*/, '') || 'unknown' }],
    title: `${p.project} (step ${p.step}, seed ${p.seed})`,
    format: 'image/png',
    assertions: [
      {
        label: 'c2pa.actions',
        data: {
          actions: [
            {
              action: 'c2pa.created',
              digitalSourceType: DIGITAL_SOURCE_TYPE,
              softwareAgent: { name: p.tool },
              parameters: { project: p.project, projectHash: p.projectHash, step: p.step, seed: p.seed },
            },
          ],
        },
      },
    ],
  };
}

/** The PNG with a signed C2PA manifest (c2pa.created, trainedAlgorithmicMedia) embedded. */
export async function signPngWith(
  lib: C2paLib,
  png: Uint8Array,
  p: Provenance,
  signer: C2paSigner,
): Promise<Uint8Array> {
  withFileReaderSync();
  const builder = lib.WasmBuilder.fromJson(JSON.stringify(c2paManifest(p)));
  try {
    const signed = await builder.sign(
      {
        sign: async (claim) => (await coseSign1(claim, signer, C2PA_RESERVE)) as Uint8Array<ArrayBuffer>,
        reserveSize: C2PA_RESERVE,
        alg: 'es256',
      },
      'image/png',
      asBlob(png),
    );
    return new Uint8Array(signed);
  } finally {
    builder.free();
  }
}

// ---- verifying -------------------------------------------------------------

export interface C2paReport {
  /** c2pa-rs' validation state: Invalid, Valid (signature and hashes hold) or Trusted (and the chain ends at a trust anchor). */
  state: 'Invalid' | 'Valid' | 'Trusted';
  activeManifest?: string;
  /** The signer's certificate as the manifest names it. */
  issuer?: string;
  commonName?: string;
  signedAt?: string;
  actions: { action: string; digitalSourceType?: string; softwareAgent?: string }[];
  failures: { code: string; explanation?: string }[];
  manifest: unknown;
}

interface StatusEntry {
  code: string;
  explanation?: string;
}

/**
 * Reads and validates the C2PA manifest of a PNG; undefined when it has none.
 * `trustAnchors`: PEM of root certificates to trust (without them a good
 * signature reads Valid, never Trusted).
 */
export async function verifyC2paWith(
  lib: C2paLib,
  png: Uint8Array,
  trustAnchors?: string,
): Promise<C2paReport | undefined> {
  withFileReaderSync();
  const context = trustAnchors ? JSON.stringify({ trust: { user_anchors: trustAnchors } }) : undefined;
  let reader: Awaited<ReturnType<C2paLib['WasmReader']['fromBlob']>>;
  try {
    reader = await lib.WasmReader.fromBlob('image/png', asBlob(png), context);
  } catch (e) {
    const s = String(e);
    if (/JumbfNotFound|ProvenanceMissing/.test(s)) return undefined;
    return {
      state: 'Invalid',
      actions: [],
      failures: [{ code: 'manifest.unreadable', explanation: s }],
      manifest: undefined,
    };
  }
  try {
    // any: c2pa-wasm types the manifest store as any (c2pa-rs ManifestStore JSON)
    const store: any = reader.manifestStore();
    const label: string | undefined = store.active_manifest;
    const m = label ? store.manifests?.[label] : undefined;
    const actionsAssertion = (m?.assertions ?? []).find((a: { label: string }) => a.label.startsWith('c2pa.actions'));
    const actions = ((actionsAssertion?.data?.actions ?? []) as Record<string, unknown>[]).map((a) => ({
      action: String(a.action),
      ...(a.digitalSourceType ? { digitalSourceType: String(a.digitalSourceType) } : {}),
      ...(a.softwareAgent
        ? { softwareAgent: String((a.softwareAgent as { name?: string }).name ?? a.softwareAgent) }
        : {}),
    }));
    const failures: StatusEntry[] = [
      ...(store.validation_results?.activeManifest?.failure ?? []),
      ...(store.validation_status ?? []).filter(
        (s: StatusEntry) => !/trusted|validated|match|insideValidity/.test(s.code),
      ),
    ];
    const unique = [...new Map(failures.map((f) => [f.code + (f.explanation ?? ''), f])).values()];
    return {
      state: store.validation_state ?? (unique.length ? 'Invalid' : 'Valid'),
      ...(label ? { activeManifest: label } : {}),
      ...(m?.signature_info?.issuer ? { issuer: m.signature_info.issuer } : {}),
      ...(m?.signature_info?.common_name ? { commonName: m.signature_info.common_name } : {}),
      ...(m?.signature_info?.time ? { signedAt: m.signature_info.time } : {}),
      actions,
      failures: unique.map((f) => ({ code: f.code, ...(f.explanation ? { explanation: f.explanation } : {}) })),
      manifest: m,
    };
  } finally {
    reader.free();
  }
}
