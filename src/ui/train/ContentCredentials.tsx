/**
 * Signing the page's picture downloads with C2PA content credentials
 * (docs/provenance.md): the person chooses their certificate chain and
 * private key (PEM, one or two files); the key stays in this tab's memory
 * until they stop signing or close the tab. Without them, downloads carry
 * the plain provenance marks only.
 */
import { useState, useSyncExternalStore } from 'react';
import { pressInnerInput } from '../keys.js';
import { pageSigner, signing } from './c2pa.js';

const CHOOSE = 'Sign downloads: choose certificate and key (PEM)…';

/** `onMessage`: a refusal to show in the panel, or '' to clear it. */
export function ContentCredentials(props: { onMessage: (m: string) => void }) {
  const current = useSyncExternalStore(signing.subscribe, signing.get);
  const [checking, setChecking] = useState(false);
  return (
    <div className="gv-train-controls" role="group" aria-label="Content credentials">
      <label
        className="gv-button"
        role="button"
        tabIndex={checking ? -1 : 0}
        aria-disabled={checking}
        onKeyDown={pressInnerInput}
        title="C2PA content credentials on downloaded samples: your signing certificate (then its intermediates) and its EC P-256 private key. The key stays in this tab's memory only."
      >
        {current ? 'Sign with other certificate…' : CHOOSE}
        <input
          type="file"
          accept=".pem,.crt,.cer,.key"
          multiple
          hidden
          disabled={checking}
          aria-label={CHOOSE}
          onChange={async (e) => {
            const input = e.currentTarget;
            const files = [...(input.files ?? [])];
            input.value = ''; // the same files can be chosen again
            if (files.length === 0) return;
            setChecking(true);
            try {
              signing.set(await pageSigner(await Promise.all(files.map((f) => f.text()))));
              props.onMessage(''); // an earlier refusal no longer holds
            } catch (err) {
              props.onMessage((err as Error).message);
            } finally {
              setChecking(false);
            }
          }}
        />
      </label>
      <span data-testid="c2pa-status">
        {checking
          ? 'checking the certificate…'
          : current
            ? `Downloaded samples are signed (C2PA) as ${current.commonName}${current.issuer ? `, issued by ${current.issuer}` : ''}. The key is kept in this tab only.`
            : 'Downloaded samples carry provenance marks, unsigned.'}
      </span>
      {current && (
        <button className="gv-button" onClick={() => signing.set(undefined)}>
          Stop signing
        </button>
      )}
    </div>
  );
}
