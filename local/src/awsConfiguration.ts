import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AwsNotConfiguredError } from './cliErrors';

/**
 * Refuses, before any SDK call, a command that needs AWS when no credentials or no region can be
 * found where the AWS SDK would look: keys or a profile in the environment, web identity or
 * container credentials, or the shared credentials and config files. (Instance metadata is not
 * probed: on EC2 set AWS_REGION, which is enough here.) The message says what to set and what the
 * command does without AWS.
 */
export function requireAwsConfigured(command: string, withoutAws: string, env: NodeJS.ProcessEnv): void {
  const home = env.HOME ?? homedir();
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config');
  const hasCredentials =
    Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
    Boolean(env.AWS_PROFILE) ||
    Boolean(env.AWS_WEB_IDENTITY_TOKEN_FILE) ||
    Boolean(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) ||
    existsSync(credentialsFile) ||
    existsSync(configFile);
  const hasRegion = Boolean(env.AWS_REGION || env.AWS_DEFAULT_REGION) || existsSync(configFile);
  if (hasCredentials && hasRegion) return;
  const missing = [
    ...(hasCredentials
      ? []
      : [
          'no AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials)',
        ]),
    ...(hasRegion ? [] : ['no AWS region (AWS_REGION)']),
  ];
  throw new AwsNotConfiguredError(
    `${command} needs an AWS account, and this machine has ${missing.join(' and ')}. Configure AWS (e.g. "aws configure", or export AWS_PROFILE and AWS_REGION) and run it again. ${withoutAws}`,
  );
}
