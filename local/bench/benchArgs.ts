import { join } from 'node:path';
import { parseArgs } from 'node:util';

export const benchUsage = `npm run bench -- [flags]

  --orders N        orders to send (default 5000; 20000 with --soak)
  --rate N          paced open loop at N orders/s (default: unpaced, --concurrency clients)
  --concurrency N   clients sending back to back when unpaced (default 32)
  --memory          the engine in memory (default: on disk in a temp folder)
  --soak            20,000 orders on disk; RSS every 1,000 orders and at the end
  --keep DIR        use DIR as the data folder and keep it (e.g. to time a rebuild on it after)
  --portal          the back-office portal open during the run (sign-in, dashboard, live stream)
  --puts N          raw conditional PutItems for the engine's limit (default 3000)
  --deadline S      give up after S seconds, print what completed, exit 1 (default 600; 3600 with --soak)
  --out DIR         where the JSON goes (default bench-results/ at the repo root)`;

export interface BenchArgs {
  orders: number;
  /** Orders per second, open loop; undefined: unpaced. */
  rate: number | undefined;
  concurrency: number;
  memory: boolean;
  soak: boolean;
  /** A data folder to use and keep, instead of a temporary one. */
  keep: string | undefined;
  portal: boolean;
  puts: number;
  deadlineSeconds: number;
  out: string;
}

export class BenchArgsError extends Error {
  override readonly name = 'BenchArgsError';
}

const repoRoot = join(import.meta.dirname, '..', '..');

/** The bench's flags, checked: a wrong one stops the run before anything starts. */
export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string', default: '32' },
      memory: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      keep: { type: 'string' },
      portal: { type: 'boolean', default: false },
      puts: { type: 'string', default: '3000' },
      deadline: { type: 'string' },
      out: { type: 'string', default: join(repoRoot, 'bench-results') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (values.soak && values.memory) throw new BenchArgsError('--soak runs the engine on disk; drop --memory');
  const whole = (flag: string, text: string | undefined, fallback: number) => {
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new BenchArgsError(`--${flag} must be a whole number above 0`);
    return n;
  };
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0)) throw new BenchArgsError('--rate must be orders per second above 0');
  return {
    orders: whole('orders', values.orders, values.soak ? 20_000 : 5_000),
    rate,
    concurrency: whole('concurrency', values.concurrency, 32),
    memory: values.memory,
    soak: values.soak,
    keep: values.keep,
    portal: values.portal,
    puts: whole('puts', values.puts, 3_000),
    deadlineSeconds: whole('deadline', values.deadline, values.soak ? 3_600 : 600),
    out: values.out,
  };
}
