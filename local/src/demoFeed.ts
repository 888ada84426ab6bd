import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PurchaseOrder } from '@mtd/contracts';
import { batchXml, defects, orderXml, sampleOrder } from './sampleOrders';

export interface DemoFeedOptions {
  url: string;
  inbox: string;
  random: () => number;
  /** Orders per second over HTTP. */
  ratePerSecond: number;
  /** A batch file of this many orders lands in the inbox every `batchEverySeconds`. */
  batchSize?: number;
  batchEverySeconds?: number;
  log?: (line: string) => void;
}

/**
 * Traffic like a shop's: mostly good orders as XML or JSON, some broken ones, some resent, and now
 * and then a batch file in the inbox. Everything goes through the public front doors.
 */
export function startDemoFeed(options: DemoFeedOptions): { stop(): Promise<void> } {
  const { url, inbox, random, log = () => {} } = options;
  let sequence = 0;
  let stopped = false;
  const sent: { body: string; type: string }[] = [];
  const nextId = () =>
    `DEMO-${Date.now().toString(36).toUpperCase()}-${(++sequence).toString().padStart(4, '0')}`;

  async function sendOne(): Promise<void> {
    const roll = random();
    let body: string;
    let type: string;
    if (roll < 0.05 && sent.length > 0) {
      ({ body, type } = sent[Math.floor(random() * sent.length)]!); // a partner resending
    } else {
      let order: PurchaseOrder = sampleOrder({ orderId: nextId(), random });
      if (roll < 0.15) {
        const names = Object.keys(defects) as (keyof typeof defects)[];
        order = defects[names[Math.floor(random() * names.length)]!](order);
      }
      [body, type] =
        random() < 0.6 ? [orderXml(order), 'application/xml'] : [JSON.stringify(order), 'application/json'];
      sent.push({ body, type });
      if (sent.length > 50) sent.shift();
    }
    const response = await fetch(`${url}/orders`, {
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });
    const result = (await response.json()) as { orderId?: string; status?: string };
    log(`demo: ${response.status} ${result.orderId ?? ''} ${result.status ?? ''}`);
  }

  async function dropBatch(): Promise<void> {
    const orders = Array.from({ length: options.batchSize ?? 10 }, () => {
      const order = sampleOrder({ orderId: nextId(), random });
      return orderXml(random() < 0.1 ? defects.badEmail(order) : order);
    });
    const name = `demo-batch-${Date.now()}.xml`;
    await writeFile(join(inbox, `${name}.tmp`), batchXml(orders));
    await rename(join(inbox, `${name}.tmp`), join(inbox, name));
    log(`demo: batch file ${name} with ${orders.length} orders dropped in the inbox`);
  }

  const orderTimer = setInterval(() => {
    if (!stopped) sendOne().catch((error) => log(`demo: ${(error as Error).message}`));
  }, 1000 / options.ratePerSecond);
  const batchTimer = setInterval(
    () => {
      if (!stopped) dropBatch().catch((error) => log(`demo: ${(error as Error).message}`));
    },
    (options.batchEverySeconds ?? 30) * 1000,
  );
  dropBatch().catch((error) => log(`demo: ${(error as Error).message}`));

  return {
    async stop() {
      stopped = true;
      clearInterval(orderTimer);
      clearInterval(batchTimer);
    },
  };
}
