import { z } from 'zod';
import { defineEvent, Sources, Timestamp } from '../envelope';

export const SlaStage = z.enum(['dte-issuance', 'dte-broadcast', 'notification', 'dispatch']);
export type SlaStage = z.infer<typeof SlaStage>;

export const OrderAtRiskV1 = defineEvent({
  detailType: 'OrderAtRisk',
  version: 1,
  source: Sources.projection,
  description: 'Early warning: a stage of the order overran its deadline.',
  data: z.object({ orderId: z.string().min(1), stage: SlaStage, deadline: Timestamp, detectedAt: Timestamp }),
  example: {
    orderId: 'PO-1001',
    stage: 'dte-issuance',
    deadline: '2026-11-24T10:02:00.250Z',
    detectedAt: '2026-11-24T10:02:05.000Z',
  },
});
export type OrderAtRiskV1 = z.infer<typeof OrderAtRiskV1.data>;
