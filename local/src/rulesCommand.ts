import { readFileSync } from 'node:fs';
import { matchesPattern, parseEventPattern, validateEventPattern } from '@mtd/platform';

export interface RulesCommandIo {
  log: (line: string) => void;
  readFile?: (path: string) => string;
  /** All of stdin, for `--batch`. */
  readStdin?: () => Promise<string>;
}

const usage = `usage: mtd rules test <pattern.json> <event.json>   prints match | no match | invalid: <reason> (exit 0 | 1 | 2)
       mtd rules test --batch   reads {"pattern":…,"event":…} JSON lines on stdin (each a JSON value, or a
                                string holding one, as TestEventPattern takes them), writes {"match":…} or {"error":…} lines`;

/**
 * Local stand-in for EventBridge's TestEventPattern: validates the pattern exactly as loading a
 * subscription does (refusing what EventBridge's engine, aws/event-ruler, refuses), then matches the
 * event with the local matcher, which gives event-ruler's verdicts. Needs no running runtime.
 *
 * @returns the exit code: 0 match, 1 no match, 2 invalid pattern or event (always 0 with --batch).
 */
export async function rulesCommand(argv: string[], io: RulesCommandIo): Promise<number> {
  const readFile = io.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const [sub, ...rest] = argv;
  if (sub !== 'test') {
    io.log(usage);
    return 2;
  }
  if (rest.includes('--batch')) {
    const input = await (io.readStdin ?? readStdin)();
    for (const line of input.split('\n')) {
      if (line.trim() === '') continue;
      io.log(JSON.stringify(testLine(line)));
    }
    return 0;
  }
  const files = rest.filter((a) => !a.startsWith('--'));
  if (files.length !== 2) {
    io.log(usage);
    return 2;
  }
  const outcome = test(
    () => parseEventPattern(readFile(files[0]!)),
    () => JSON.parse(readFile(files[1]!)),
  );
  if ('error' in outcome) {
    io.log(`invalid: ${outcome.error}`);
    return 2;
  }
  io.log(outcome.match ? 'match' : 'no match');
  return outcome.match ? 0 : 1;
}

function testLine(line: string): { match: boolean } | { error: string } {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (error) {
    return { error: `line is not JSON: ${(error as Error).message}` };
  }
  if (typeof input !== 'object' || input === null || !('pattern' in input) || !('event' in input))
    return { error: 'each line needs "pattern" and "event"' };
  const { pattern, event } = input as { pattern: unknown; event: unknown };
  // As TestEventPattern takes them: strings holding JSON. The pattern's own text is what EventBridge
  // measures and reads its numbers from.
  return test(
    () => (typeof pattern === 'string' ? parseEventPattern(pattern) : pattern),
    () => (typeof event === 'string' ? JSON.parse(event) : event),
  );
}

function test(pattern: () => unknown, event: () => unknown): { match: boolean } | { error: string } {
  try {
    const p = pattern();
    validateEventPattern(p);
    const e = event();
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      return { error: 'Event is not a JSON object' };
    return { match: matchesPattern(p, e) };
  } catch (error) {
    if (error instanceof Error && error.name === 'InvalidEventPatternError') return { error: error.message };
    if (error instanceof SyntaxError) return { error: `not JSON: ${error.message}` };
    if (error instanceof Error) return { error: error.message };
    throw error;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
