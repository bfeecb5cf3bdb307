/**
 * C2PA content credentials on the page's picture downloads: the person's
 * certificate chain and P-256 private key (PEM files they choose), kept in
 * this tab's memory only (never stored, never sent anywhere), WebCrypto
 * signs (ES256), and core/train/c2pa.ts builds the manifest with
 * @contentauth/c2pa-wasm, which is fetched from the page's own server the
 * first time it is needed (8 MB; pages that never sign never load it).
 * Choosing the files signs a 1x1 probe picture and verifies it, so a key
 * that is not the certificate's, or a certificate c2pa-rs refuses, is said at
 * once rather than at the first download.
 */
import c2paWasmUrl from '@contentauth/c2pa-wasm/c2pa.wasm?url';
import { type C2paLib, type C2paSigner, type Provenance, signPngWith, verifyC2paWith } from '../../core/train/index.js';

let lib: Promise<C2paLib> | undefined;
function loadC2pa(): Promise<C2paLib> {
  lib ??= (async () => {
    const mod = await import('@contentauth/c2pa-wasm');
    await mod.default({ module_or_path: new URL(c2paWasmUrl, location.href) });
    return mod;
  })().catch((e: unknown) => {
    lib = undefined; // a failed load may be tried again
    throw e;
  });
  return lib;
}

function base64(text: string): Uint8Array {
  const bin = atob(text.replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The DER bodies of the PEM blocks labelled `label` in `text`. */
function pemBlocks(text: string, label: string): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => base64(m[1] as string));
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >>> 8, n & 0xff];
}

/**
 * A SEC1 ECPrivateKey (PEM "EC PRIVATE KEY", what `openssl ecparam -genkey`
 * writes) wrapped as the PKCS#8 PrivateKeyInfo WebCrypto imports (RFC 5208:
 * version 0, algorithm id-ecPublicKey with the prime256v1 curve, the SEC1
 * bytes as the private key octet string).
 */
function sec1ToPkcs8(sec1: Uint8Array): Uint8Array {
  const version = [0x02, 0x01, 0x00];
  // SEQUENCE { OID 1.2.840.10045.2.1 (id-ecPublicKey), OID 1.2.840.10045.3.1.7 (prime256v1) }
  const algorithm = [
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
    0x01, 0x07,
  ];
  const key = [0x04, ...derLength(sec1.length), ...sec1];
  const body = [...version, ...algorithm, ...key];
  return Uint8Array.from([0x30, ...derLength(body.length), ...body]);
}

/** The P-256 private key of PEM text (PKCS#8 or SEC1) as a WebCrypto signing key; a sentence when it is not one. */
async function signingKey(text: string): Promise<CryptoKey> {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text))
    throw new Error(
      'The private key is encrypted: give an unencrypted P-256 key (openssl pkcs8 -topk8 -nocrypt -in KEY -out plain.pem).',
    );
  const pkcs8 = pemBlocks(text, 'PRIVATE KEY')[0] ?? pemBlocks(text, 'EC PRIVATE KEY').map(sec1ToPkcs8)[0];
  if (!pkcs8) throw new Error('No private key in the chosen files (a PEM "PRIVATE KEY" or "EC PRIVATE KEY" block).');
  try {
    return await crypto.subtle.importKey(
      'pkcs8',
      pkcs8 as Uint8Array<ArrayBuffer>,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
  } catch {
    throw new Error('The private key is not an EC P-256 key: C2PA signing here uses ES256 (ECDSA P-256, SHA-256).');
  }
}

/** A 1x1 PNG: what the chosen certificate and key first sign and verify. */
const PROBE = base64(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
);

export interface PageSigner {
  signer: C2paSigner;
  /** The signing certificate's common name and issuer, as c2pa-rs reads them from the probe's manifest. */
  commonName: string;
  issuer: string;
}

/**
 * A signer from the text of the chosen PEM files (one or several: the
 * certificates in the order found, the signing certificate first, then its
 * intermediates; one private key), checked by signing and verifying a probe.
 */
export async function pageSigner(texts: string[]): Promise<PageSigner> {
  if (!globalThis.crypto?.subtle) throw new Error('This page cannot sign here: WebCrypto needs https or localhost.');
  const all = texts.join('\n');
  const chain = pemBlocks(all, 'CERTIFICATE');
  if (chain.length === 0) throw new Error('No certificate in the chosen files (a PEM "CERTIFICATE" block).');
  const key = await signingKey(all);
  const signer: C2paSigner = {
    chain,
    sign: async (message) =>
      new Uint8Array(
        await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, message as Uint8Array<ArrayBuffer>),
      ),
    subject: '',
  };
  const c2pa = await loadC2pa();
  const probe: Provenance = { tool: 'ganvas (editor)', project: 'probe', projectHash: '', step: 0, seed: 0 };
  let signed: Uint8Array;
  try {
    signed = await signPngWith(c2pa, PROBE, probe, signer);
  } catch (e) {
    throw new Error(`C2PA refused this certificate: ${String(e)}`);
  }
  const report = await verifyC2paWith(c2pa, signed);
  if (!report || report.state === 'Invalid') {
    const why = report?.failures.map((f) => f.code).join(', ') ?? 'no manifest';
    throw new Error(`The private key does not sign for the first certificate (${why}).`);
  }
  const commonName = report.commonName ?? 'the certificate';
  return { signer: { ...signer, subject: commonName }, commonName, issuer: report.issuer ?? '' };
}

/** The PNG with a signed C2PA manifest embedded. */
export async function signDownload(png: Uint8Array, p: Provenance, s: PageSigner): Promise<Uint8Array> {
  return signPngWith(await loadC2pa(), png, p, s.signer);
}

// The tab's signer: one for the page, kept while the tab lives, shared by whatever downloads pictures.
let current: PageSigner | undefined;
const listeners = new Set<() => void>();
export const signing = {
  get: (): PageSigner | undefined => current,
  set(s: PageSigner | undefined): void {
    current = s;
    for (const l of listeners) l();
  },
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};
