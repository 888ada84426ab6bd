// `npm run add-user -w @mtd/backoffice -- --table <users table> --username <name> --role <role>`:
// puts a user straight into a deployed stage's users table, with the AWS credentials and region of
// the shell (AWS_PROFILE, AWS_REGION, …). It is how the first admin of a stage is made, since
// `POST /api/users` needs an admin already; colleagues are added from the portal or the API after.
// The password comes from MTD_PASSWORD (at least 12 characters) or is generated and printed once;
// only its scrypt hash is stored.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoUsers, UserExistsError, usernamePattern } from '../src/adapters/dynamoUsers';
import { generatePassword, hashPassword } from '../src/adapters/passwordHashing';
import { isRole, roles } from '../src/domain/accessPolicy';

const usage =
  'usage: npm run add-user -w @mtd/backoffice -- --table <users table, e.g. mtd-dev-backoffice-users> --username <name> --role <role>';

function fail(message: string): never {
  console.error(`add-user: ${message}\n${usage}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: { table: { type: 'string' }, username: { type: 'string' }, role: { type: 'string' } },
});
const table = values.table ?? fail('--table is missing');
const username = (values.username ?? fail('--username is missing')).trim().toLowerCase();
const role = values.role ?? fail('--role is missing');
if (!usernamePattern.test(username))
  fail('--username: 2-40 lowercase letters, digits, . _ or -, starting with a letter');
if (!isRole(role)) fail(`--role must be one of ${roles.join(', ')}`);
const given = process.env.MTD_PASSWORD;
if (given !== undefined && given.length < 12) fail('MTD_PASSWORD needs at least 12 characters');
const password = given ?? generatePassword();

try {
  await new DynamoUsers({ client: new DynamoDBClient({}), tableName: table }).create({
    username,
    role,
    passwordHash: await hashPassword(password),
    createdAt: new Date().toISOString(),
    createdBy: `add-user:${userInfo().username}`,
  });
} catch (error) {
  if (error instanceof UserExistsError) fail(error.message);
  throw error;
}
console.log(`created ${role} "${username}" in ${table}`);
if (given === undefined)
  console.log(
    `  password: ${password}\n  It is shown only now and stored nowhere (only its scrypt hash is kept).`,
  );
