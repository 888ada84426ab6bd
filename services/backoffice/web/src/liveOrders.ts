import { useEffect, useState } from 'preact/hooks';
import type { OrderRow } from './components';
import { storedToken } from './session';

/**
 * Follows `GET /api/orders/stream` (read with fetch, so the token stays in a header, not the URL).
 * Where the API offers no stream (404, as on AWS) it polls `refresh` every 5 s instead.
 * Returns whether the live stream is on.
 */
export function useOrderUpdates(onOrder: (order: OrderRow) => void, refresh: () => void): boolean {
  const [streaming, setStreaming] = useState(true);
  useEffect(() => {
    const controller = new AbortController();
    let poll: ReturnType<typeof setInterval> | undefined;
    (async () => {
      while (!controller.signal.aborted) {
        try {
          const response = await fetch('/api/orders/stream', {
            headers: { authorization: `Bearer ${storedToken() ?? ''}` },
            signal: controller.signal,
          });
          if (response.status === 404) {
            setStreaming(false);
            poll = setInterval(refresh, 5_000);
            return;
          }
          if (!response.ok || !response.body) return;
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const event = /^event: ?(.*)$/m.exec(block)?.[1];
              const data = /^data: ?(.*)$/m.exec(block)?.[1];
              if (event === 'order' && data) onOrder(JSON.parse(data) as OrderRow);
            }
          }
        } catch {
          if (controller.signal.aborted) return;
        }
        // The stream ended (token expiry, restart): reconnect after a second.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    return () => {
      controller.abort();
      if (poll) clearInterval(poll);
    };
  }, []);
  return streaming;
}

/** Keeps a list of orders keyed by id, newest change first; `keep` drops those that no longer belong. */
export function upsertOrder(rows: OrderRow[], order: OrderRow, keep: (o: OrderRow) => boolean = () => true) {
  const others = rows.filter((r) => r.orderId !== order.orderId);
  return keep(order) ? [order, ...others] : others;
}
