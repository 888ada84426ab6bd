import { numberOption } from '../cliContext';
import { formatTable } from '../formatTable';
import type { CommandGroup } from './commandGroup';

interface PartnerRow {
  name: string;
  rateLimit: number;
  burstLimit: number;
  quotaPerDay?: number;
  status: string;
  createdAt: string;
  revokedAt?: string;
}

const wholeNumber = numberOption('a whole number above 0', (n) => Number.isSafeInteger(n) && n > 0);

/**
 * `mtd partners add | list | revoke`: the intake API's partners, their keys and usage plans (admin
 * only), as API keys and usage plans are managed on API Gateway.
 */
export const partners: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('partners')
      .description('intake API partners: API keys and usage plans (needs role admin)');
    group
      .command('add')
      .description('add a partner; prints its API key once (only a hash of it is stored)')
      .argument('<name>', 'partner name: lowercase letters, digits, . _ -')
      .option('--rate <n>', 'requests per second (default 10)', wholeNumber)
      .option('--burst <n>', 'requests at once, the token bucket size (default 20)', wholeNumber)
      .option('--quota <n>', 'requests per UTC day (default 20000)', wholeNumber)
      .option('--no-quota', 'no daily quota')
      .option('--json', 'as JSON')
      .action(async (name, options) => {
        const created = await cli.runtime().call<PartnerRow & { key: string }>('/api/admin/partners', {
          method: 'POST',
          json: {
            name,
            ...(options.rate !== undefined ? { rateLimit: options.rate } : {}),
            ...(options.burst !== undefined ? { burstLimit: options.burst } : {}),
            ...(options.quota === false ? { quotaPerDay: null } : {}),
            ...(typeof options.quota === 'number' ? { quotaPerDay: options.quota } : {}),
          },
        });
        if (options.json) return cli.print(created);
        cli.log(
          `added partner ${created.name}: ${describePlan(created)}\nAPI key (shown once; send it as the x-api-key header): ${created.key}`,
        );
      });
    group
      .command('list')
      .description('every partner with its usage plan and status (keys are never shown)')
      .option('--json', 'as JSON')
      .action(async (options) => {
        const result = await cli.runtime().call<{ items: PartnerRow[] }>('/api/admin/partners');
        if (options.json) return cli.print(result);
        cli.log(
          formatTable(
            result.items.map((p) => ({
              ...p,
              quotaPerDay: p.quotaPerDay ?? 'none',
              revokedAt: p.revokedAt ?? '',
            })),
            ['name', 'status', 'rateLimit', 'burstLimit', 'quotaPerDay', 'createdAt', 'revokedAt'],
          ),
        );
      });
    group
      .command('revoke')
      .description("revoke a partner's key; its requests get 403 from now on")
      .argument('<name>', 'partner name')
      .option('--json', 'as JSON')
      .action(async (name, options) => {
        const revoked = await cli
          .runtime()
          .call<PartnerRow>(`/api/admin/partners/${encodeURIComponent(name)}/revoke`, { method: 'POST' });
        if (options.json) return cli.print(revoked);
        cli.log(`revoked partner ${revoked.name} at ${revoked.revokedAt}`);
      });
  },
};

function describePlan(p: PartnerRow): string {
  return `${p.rateLimit} requests/s, burst ${p.burstLimit}, ${p.quotaPerDay !== undefined ? `${p.quotaPerDay} requests per UTC day` : 'no daily quota'}`;
}
