import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on 127.0.0.1 (for a child process that cannot be given port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RunningEmulator {
  endpoint: string;
  pid?: number;
  stop(): Promise<void>;
}

/**
 * AWS's DynamoDB Local (Java 17; Streams and transactions), in memory, one database for every
 * access key (`-sharedDb`: each function signs with its own key), no telemetry. Stopped by PID.
 */
export async function startDynamoDbLocal(emulatorDir: string): Promise<RunningEmulator> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${emulatorDir}/DynamoDBLocal_lib`,
      '-jar',
      `${emulatorDir}/DynamoDBLocal.jar`,
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: emulatorDir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test worker that ends without its afterAll (a timeout, an exit) still takes the JVM with it.
  const killOnExit = () => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.pid && process.kill(child.pid, 'SIGKILL'))]);
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${stderr}`);
    try {
      await fetch(endpoint, { method: 'POST' });
      return { endpoint, pid: child.pid, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${stderr}`);
      }
      await sleep(200);
    }
  }
}

/** fauxqs 1.9.2 in this process: SQS and S3 on one endpoint. */
export async function startFauxqs(): Promise<RunningEmulator & { server: import('fauxqs').FauxqsServer }> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  return { endpoint: server.address, server, stop: () => server.stop() };
}

/** aws-ses-v2-local 2.10.2 in this process: SES v2 SendEmail, stored emails at `GET /store`. */
export async function startSesV2Local(): Promise<RunningEmulator> {
  const module = (await import('aws-ses-v2-local')) as unknown as {
    default: (options: { port: number; host: string }) => Promise<import('node:http').Server>;
  };
  const port = await freePort();
  const server = await module.default({ port, host: '127.0.0.1' });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
