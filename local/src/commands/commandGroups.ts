import { audit } from './audit';
import { caf } from './caf';
import type { CommandGroup } from './commandGroup';
import { dlq } from './dlq';
import { dte } from './dte';
import { jobs } from './jobs';
import { login } from './login';
import { orders } from './orders';
import { partners } from './partners';
import { projections } from './projections';
import { replay } from './replay';
import { rules } from './rules';
import { schemas } from './schemas';
import { send } from './send';
import { start } from './start';
import { stats } from './stats';
import { trace } from './trace';
import { users } from './users';

/** Every `mtd` command, in the order `mtd --help` lists them. A new group: its file, and a line here. */
export const commandGroups: readonly CommandGroup[] = [
  start,
  login,
  send,
  orders,
  trace,
  dte,
  caf,
  stats,
  dlq,
  replay,
  projections,
  audit,
  jobs,
  users,
  partners,
  rules,
  schemas,
];
