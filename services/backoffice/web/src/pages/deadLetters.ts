import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { Failure, Instant, useLoad } from '../components';
import { usePortal } from '../session';

interface DeadLetter {
  subscription: string;
  eventId: string;
  status: 'dead' | 'retrying';
  attempts: number;
  nextAttemptAt: string;
  lastError: string;
  history: { attempt: number; at: string; error: string }[];
  deadAt?: string;
  event: string;
}

/** The reason a letter failed: its last error, else the newest attempt's that has one. */
export function reasonOf(letter: DeadLetter): string {
  if (letter.lastError.trim()) return letter.lastError;
  return [...letter.history].reverse().find((h) => h.error.trim())?.error ?? '—';
}

export function DeadLetters() {
  const { t, api, toast } = usePortal();
  const [version, setVersion] = useState(0);
  const letters = useLoad(() => api<{ items: DeadLetter[] }>('/api/dead-letters'), [version]);
  const redrive = async (letter: DeadLetter) => {
    try {
      await api(
        `/api/dead-letters/${encodeURIComponent(letter.subscription)}/${encodeURIComponent(letter.eventId)}/redrive`,
        { method: 'POST' },
      );
      toast(t('redriven', { id: letter.eventId }));
      setVersion((v) => v + 1);
    } catch (e) {
      toast((e as Error).message);
    }
  };
  const items = letters.data?.items;
  return html`<section aria-labelledby="dl-title">
    <h1 id="dl-title">${t('deadLetters')}</h1>
    <${Failure} message=${letters.error} />
    ${
      items === undefined
        ? html`<p>${t('loading')}</p>`
        : items.length === 0
          ? html`<p class="muted">${t('noDeadLetters')}</p>`
          : html`<table id="dead-letters">
              <thead>
                <tr>
                  <th scope="col">${t('subscription')}</th>
                  <th scope="col">${t('event')}</th>
                  <th scope="col">${t('status')}</th>
                  <th scope="col">${t('attempts')}</th>
                  <th scope="col">${t('reason')}</th>
                  <th scope="col">${t('redrive')}</th>
                </tr>
              </thead>
              <tbody>
                ${items.map(
                  (l) => html`<tr key=${`${l.subscription}/${l.eventId}`} data-event-id=${l.eventId}>
                    <td>${l.subscription}</td>
                    <td>${l.event}</td>
                    <td>
                      ${t(`letterStatus_${l.status}`)}
                      ${l.status === 'retrying' ? html` (${t('nextAttempt', { when: '' })}<${Instant} iso=${l.nextAttemptAt} />)` : null}
                    </td>
                    <td>${l.attempts}</td>
                    <td class="reason">${reasonOf(l)}</td>
                    <td>
                      <button type="button" aria-label=${`${t('redrive')} ${l.eventId}`} onClick=${() => redrive(l)}>
                        ${t('redrive')}
                      </button>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
    }
  </section>`;
}
