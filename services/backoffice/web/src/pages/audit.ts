import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { Failure, Instant, Pager, timeHeader, useLoad, usePager } from '../components';
import { saveAs, usePortal } from '../session';

interface Checkpoint {
  treeSize: number;
  time: string;
  rootHash: string;
  keyId: string;
}
interface Entry {
  index: number;
  appendedAt: string;
  streamId: string;
  streamVersion: number;
  eventId: string;
  leafHash: string;
}

export function Audit() {
  const { t, api } = usePortal();
  const [verdict, setVerdict] = useState<{ ok: boolean; text: string }>();
  const [proofResult, setProofResult] = useState<{ ok: boolean; text: string }>();
  const pager = usePager();
  const checkpoints = useLoad(
    () => api<{ total: number; items: Checkpoint[] }>('/api/audit/checkpoints?limit=20'),
    [],
  );
  const entries = useLoad(
    () =>
      api<{ treeSize: number; items: Entry[]; nextCursor?: string }>(
        `/api/audit?limit=50${pager.cursor ? `&cursor=${encodeURIComponent(pager.cursor)}` : ''}`,
      ),
    [pager.cursor],
  );
  const verify = async () => {
    try {
      const v = await api<{ ok: boolean; treeSize: number; problems: { where: string; detail: string }[] }>(
        '/api/audit/verify',
      );
      setVerdict({
        ok: v.ok,
        text: v.ok
          ? t('chainOk', { n: v.treeSize })
          : t('chainBroken', { seq: v.problems[0]?.where ?? '', reason: v.problems[0]?.detail ?? '' }),
      });
    } catch (e) {
      setVerdict({ ok: false, text: (e as Error).message });
    }
  };
  const downloadProof = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const orderId = String(form.get('orderId') ?? '').trim();
    const redact = form.get('redact') === 'on';
    try {
      const text = await api<string>(
        `/api/audit/proof/${encodeURIComponent(orderId)}${redact ? '?redact=true' : ''}`,
        { raw: true },
      );
      const proof = JSON.parse(text) as { entries: unknown[]; checkpoint: { treeSize: number } };
      saveAs(
        `mtd-proof-${orderId.replace(/[^\w.-]/g, '_')}${redact ? '-redacted' : ''}.json`,
        text,
        'application/json',
      );
      setProofResult({
        ok: true,
        text: t('proofReady', { n: proof.entries.length, size: proof.checkpoint.treeSize }),
      });
    } catch (e) {
      setProofResult({ ok: false, text: (e as Error).message });
    }
  };
  return html`<section aria-labelledby="au-title">
    <h1 id="au-title">${t('audit')}</h1>
    <p><button type="button" class="primary" id="verify" onClick=${verify}>${t('verify')}</button></p>
    <p id="verify-result" aria-live="polite" class=${verdict ? (verdict.ok ? 'ok' : 'error') : undefined}>${verdict?.text ?? ''}</p>
    <h2 id="au-proof">${t('proof')}</h2>
    <form class="inline" aria-labelledby="au-proof" onSubmit=${downloadProof}>
      <label>${t('order')} <input name="orderId" required autocomplete="off" /></label>
      <label><input type="checkbox" name="redact" /> ${t('redact')}</label>
      <button type="submit" id="download-proof">${t('downloadProof')}</button>
    </form>
    <p id="proof-result" aria-live="polite" class=${proofResult ? (proofResult.ok ? 'ok' : 'error') : undefined}>${proofResult?.text ?? ''}</p>
    <${Failure} message=${checkpoints.error ?? entries.error} />
    ${
      checkpoints.data
        ? html`<h2 id="au-checkpoints">${t('checkpoints', { n: checkpoints.data.total })}</h2>
            ${
              checkpoints.data.items.length === 0
                ? html`<p class="muted">${t('noCheckpoints')}</p>`
                : html`<table id="checkpoints" aria-labelledby="au-checkpoints">
                    <thead>
                      <tr>
                        <th scope="col">${t('treeSize')}</th>
                        <th scope="col">${timeHeader(t, 'when')}</th>
                        <th scope="col">${t('rootHash')}</th>
                        <th scope="col">${t('keyId')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${checkpoints.data.items.map(
                        (c) => html`<tr key=${c.treeSize} data-tree-size=${c.treeSize}>
                          <td>${c.treeSize}</td>
                          <td><${Instant} iso=${c.time} /></td>
                          <td><code title=${c.rootHash}>${c.rootHash.slice(0, 16)}</code></td>
                          <td><code title=${c.keyId}>${c.keyId.slice(0, 16)}</code></td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>`
            }`
        : null
    }
    ${
      entries.data
        ? html`<h2 id="au-leaves">${t('leaves', { n: entries.data.treeSize })}</h2>
            <table id="leaves" aria-labelledby="au-leaves">
              <thead>
                <tr>
                  <th scope="col">${t('seq')}</th>
                  <th scope="col">${timeHeader(t, 'when')}</th>
                  <th scope="col">${t('stream')}</th>
                  <th scope="col">${t('event')}</th>
                  <th scope="col">${t('hash')}</th>
                </tr>
              </thead>
              <tbody>
                ${entries.data.items.map(
                  (e) => html`<tr key=${e.index} data-index=${e.index}>
                    <td>${e.index}</td>
                    <td><${Instant} iso=${e.appendedAt} /></td>
                    <td>${e.streamId}#${e.streamVersion}</td>
                    <td><code>${e.eventId}</code></td>
                    <td><code title=${e.leafHash}>${e.leafHash.slice(0, 16)}</code></td>
                  </tr>`,
                )}
              </tbody>
            </table>
            <${Pager} pager=${pager} nextCursor=${entries.data.nextCursor} label=${t('leaves', { n: entries.data.treeSize })} />`
        : null
    }
  </section>`;
}
