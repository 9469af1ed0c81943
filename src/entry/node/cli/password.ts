import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { IdbridgeError } from '../../../errors.js';
import { MAX_PASSWORD_LENGTH } from '../../../users/password-hasher.js';
import { UsageError, type ParsedArgs } from './args.js';

/** The user pressed Ctrl-C or Ctrl-D at a prompt (exit code 130). */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * The new password for `user add`, never from the command line unless asked for: `--password`
 * is visible in `ps` and the shell history, so it is asked for on a terminal (no echo, twice)
 * or read as one line from stdin with `--password-stdin`.
 */
export async function newPassword(args: ParsedArgs, command: string): Promise<string> {
  const given = args.string('password');
  if (given !== undefined && args.flag('password-stdin')) throw new UsageError('give either --password or --password-stdin, not both', command);
  if (given !== undefined) return given;
  if (process.stdin.isTTY) {
    const [first, second] = await askHidden(args.flag('password-stdin') ? ['Password: '] : ['Password: ', 'Repeat the password: ']);
    if (second !== undefined && first !== second) throw new IdbridgeError('invalid_request', 'The two passwords differ; nothing was changed.');
    return first!;
  }
  if (args.flag('password-stdin')) return readLine(process.stdin);
  throw new UsageError('needs a password: run it on a terminal to be asked, or pass it on stdin with --password-stdin', command);
}

/** One line from a stream (without the line break); the rest is left unread. */
async function readLine(stream: NodeJS.ReadStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    text += chunk;
    const end = text.indexOf('\n');
    if (end !== -1) {
      text = text.slice(0, end);
      break;
    }
    // A password is at most MAX_PASSWORD_LENGTH; do not buffer an endless stream.
    if (text.length > MAX_PASSWORD_LENGTH * 4) break;
  }
  return text.replace(/\r$/, '');
}

/**
 * Ask on the terminal without echo: readline puts the TTY in raw mode (the terminal echoes
 * nothing) and its own echo goes to a muted stream. Prompts go to stderr, keeping stdout for the
 * result (`--json`).
 */
async function askHidden(questions: string[]): Promise<string[]> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  let cancel: (() => void) | undefined;
  rl.on('SIGINT', () => cancel?.());
  rl.on('close', () => cancel?.());
  try {
    const answers: string[] = [];
    for (const question of questions) {
      answers.push(
        await new Promise<string>((resolve, reject) => {
          cancel = () => reject(new CancelledError());
          muted = false;
          rl.question(question, (answer) => {
            process.stderr.write('\n');
            resolve(answer);
          });
          muted = true;
        }),
      );
    }
    return answers;
  } finally {
    cancel = undefined;
    rl.close();
  }
}
