/**
 * C2PA content credentials for the PNGs the CLI writes, through
 * @contentauth/c2pa-wasm (the Content Authenticity Initiative's c2pa-rs built
 * to WebAssembly; no network, no native build). Signing: a manifest with the
 * action `c2pa.created` and the digital source type trainedAlgorithmicMedia,
 * signed with the person's own certificate and key (ES256, P-256): the
 * library hands over the claim bytes, this module builds the COSE_Sign1 around
 * them with node:crypto. Verifying: c2pa-rs' Reader, with optional trust
 * anchors. See docs/provenance.md for what this proves and what not.
 */
import { createPrivateKey, createSign, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DIGITAL_SOURCE_TYPE, type Provenance } from '../core/train/index.js';

type C2paWasm = typeof import('@contentauth/c2pa-wasm');
type WasmReader = import('@contentauth/c2pa-wasm').WasmReader;

/**
 * c2pa-wasm is built for browser workers: it reads Blobs with FileReaderSync.
 * Node has neither a synchronous Blob reader nor FileReaderSync, so it gets
 * byte-array "blobs" (size, slice) and a FileReaderSync that reads them.
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
const asBlob = (bytes: Uint8Array) => new BytesBlob(bytes) as unknown as Blob;

let loaded: C2paWasm | undefined;
async function c2pa(): Promise<C2paWasm> {
  if (loaded) return loaded;
  const g = globalThis as { FileReaderSync?: unknown };
  g.FileReaderSync ??= class {
    readAsArrayBuffer(b: BytesBlob): ArrayBuffer {
      return new Uint8Array(b.bytes).buffer; // a copy: Buffer views share a pool
    }
  };
  const mod = await import('@contentauth/c2pa-wasm');
  const wasmPath = createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm');
  mod.initSync({ module: readFileSync(wasmPath) });
  loaded = mod;
  return mod;
}

// ---- minimal CBOR (RFC 8949), enough for a COSE_Sign1 ----------------------

type Cbor = number | string | Uint8Array | null | Cbor[] | Map<number | string, Cbor> | { tag: number; value: Cbor };

function cborHead(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

function cbor(v: Cbor): Buffer {
  if (v === null) return Buffer.from([0xf6]);
  if (typeof v === 'number') return v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v);
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([cborHead(3, s.length), s]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([cborHead(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([cborHead(4, v.length), ...v.map(cbor)]);
  if (v instanceof Map) return Buffer.concat([cborHead(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  return Buffer.concat([cborHead(6, v.tag), cbor(v.value)]);
}

// ---- signing ---------------------------------------------------------------

export interface C2paSigner {
  /** The signing certificate first, then its intermediates (DER). */
  chain: Uint8Array[];
  key: KeyObject;
  /** Who signed, for messages: the certificate's subject. */
  subject: string;
}

/** Bytes reserved for the signature box; the COSE_Sign1 is padded to exactly this. */
const RESERVE = 12_000;

/**
 * A signer from PEM files: a certificate chain (the signing certificate first,
 * then intermediates) and its P-256 private key (PKCS#8 or SEC1). C2PA wants an
 * end-entity certificate with digitalSignature key usage and an extended key
 * usage (e.g. emailProtection), issued by a CA: c2pa-rs refuses self-signed
 * signing certificates.
 */
export function loadSigner(certPath: string, keyPath: string): C2paSigner {
  const pem = readFileSync(certPath, 'utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${certPath}: no PEM certificate in it`);
  const certs = blocks.map((b) => new X509Certificate(b));
  const key = createPrivateKey(readFileSync(keyPath));
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error(`${keyPath}: an EC P-256 private key is needed (ES256)`);
  if (!certs[0]!.checkPrivateKey(key))
    throw new Error(`${keyPath} is not the key of the first certificate in ${certPath}`);
  return { chain: certs.map((c) => new Uint8Array(c.raw)), key, subject: certs[0]!.subject.replace(/\n/g, ', ') };
}

/** COSE_Sign1 (tag 18) over the claim, ES256, x5chain in the protected header, padded to `size` bytes. */
function coseSign1(claim: Uint8Array, signer: C2paSigner, size: number): Uint8Array {
  const chain = signer.chain.length === 1 ? (signer.chain[0] as Uint8Array) : signer.chain;
  const protectedHeader = cbor(
    new Map<number, Cbor>([
      [1, -7],
      [33, chain],
    ]),
  );
  const toSign = cbor(['Signature1', protectedHeader, new Uint8Array(0), claim]);
  const sig = createSign('sha256').update(toSign).sign({ key: signer.key, dsaEncoding: 'ieee-p1363' });
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
  return new Uint8Array(out);
}

/** The PNG with a signed C2PA manifest (c2pa.created, trainedAlgorithmicMedia) embedded. */
export async function signPng(png: Uint8Array, p: Provenance, signer: C2paSigner): Promise<Uint8Array> {
  const { WasmBuilder } = await c2pa();
  const definition = {
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
  const builder = WasmBuilder.fromJson(JSON.stringify(definition));
  try {
    const signed = await builder.sign(
      {
        sign: async (claim) => coseSign1(claim, signer, RESERVE) as Uint8Array<ArrayBuffer>,
        reserveSize: RESERVE,
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
export async function verifyC2pa(png: Uint8Array, trustAnchors?: string): Promise<C2paReport | undefined> {
  const { WasmReader } = await c2pa();
  const context = trustAnchors ? JSON.stringify({ trust: { user_anchors: trustAnchors } }) : undefined;
  let reader: WasmReader;
  try {
    reader = await WasmReader.fromBlob('image/png', asBlob(png), context);
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
