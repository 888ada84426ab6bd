// Types of readmeTour.mjs, for test/src/readme.e2e.test.ts.
export declare const repoRoot: string;
export declare const notRunSections: Record<string, string>;

export interface ReadmeCommand {
  command: string;
  line: number;
  section: string;
  expectedExit: number;
  server: boolean;
}

export interface ReadmeResult extends ReadmeCommand {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Servers: the signal it ended by, and how long its stop took. */
  signal?: NodeJS.Signals | null;
  ms?: number;
}

export declare function readmeCommands(markdown: string): ReadmeCommand[];
export declare function tourEnvironment(dataDir: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function withoutNpmMachineWarnings(stderr: string): string;
export declare function runReadme(
  commands: ReadmeCommand[],
  options: {
    env: NodeJS.ProcessEnv;
    onStep?: (result: ReadmeResult) => void;
    readyMs?: number;
    /** False: run the command again (0.5 s apart, up to 30 s), as a person re-reads progress. */
    settled?: (result: ReadmeResult) => boolean;
  },
): Promise<ReadmeResult[]>;
export declare function failureOf(result: ReadmeResult): string | undefined;
