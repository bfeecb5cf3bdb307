/**
 * C2PA content credentials for the PNGs the CLI writes: core/train/c2pa.ts
 * (the manifest, the COSE_Sign1, the reading) with @contentauth/c2pa-wasm
 * loaded from node_modules and the signature made by node:crypto, from the
 * person's own certificate and key (ES256, P-256). See docs/provenance.md
 * for what this proves and what not.
 */
import { createPrivateKey, createSign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  type C2paLib,
  type C2paReport,
  type C2paSigner,
  type Provenance,
  signPngWith,
  verifyC2paWith,
} from '../core/train/index.js';

export type { C2paReport, C2paSigner };

let loaded: C2paLib | undefined;
async function c2pa(): Promise<C2paLib> {
  if (loaded) return loaded;
  const mod = await import('@contentauth/c2pa-wasm');
  const wasmPath = createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm');
  mod.initSync({ module: readFileSync(wasmPath) });
  loaded = mod;
  return mod;
}

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
  return {
    chain: certs.map((c) => new Uint8Array(c.raw)),
    sign: async (message) =>
      new Uint8Array(createSign('sha256').update(message).sign({ key, dsaEncoding: 'ieee-p1363' })),
    subject: certs[0]!.subject.replace(/\n/g, ', '),
  };
}

/** The PNG with a signed C2PA manifest (c2pa.created, trainedAlgorithmicMedia) embedded. */
export async function signPng(png: Uint8Array, p: Provenance, signer: C2paSigner): Promise<Uint8Array> {
  return signPngWith(await c2pa(), png, p, signer);
}

/**
 * Reads and validates the C2PA manifest of a PNG; undefined when it has none.
 * `trustAnchors`: PEM of root certificates to trust (without them a good
 * signature reads Valid, never Trusted).
 */
export async function verifyC2pa(png: Uint8Array, trustAnchors?: string): Promise<C2paReport | undefined> {
  return verifyC2paWith(await c2pa(), png, trustAnchors);
}
