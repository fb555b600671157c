import type { Readable } from 'node:stream';

/** What a command needs from the process, passed in so that tests run commands in-process. */
export type CliIo = {
  readonly stdin: Readable;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Colour in log lines only on a terminal; the add-on's Log tab shows escape codes verbatim. */
  readonly stderrIsTTY: boolean;
};

export function processIo(): CliIo {
  // A reader that stops early (`decode capture.bin | head -1`) closes the pipe: the rest of the output is not
  // wanted, so the command ends quietly with status 0, as other Unix tools do, instead of an EPIPE stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  return {
    // Read only by `decode` from a pipe: process.stdin is built on first use, and for a stdin that is a file,
    // as /dev/null is under Docker and Supervisor, it loads fs/promises with readline and the file watchers,
    // ~2 MiB resident on Node 22 in a bridge that never reads it.
    get stdin() {
      return process.stdin;
    },
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
