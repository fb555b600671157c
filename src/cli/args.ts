import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../config/did-you-mean.js';

/**
 * parseArgs for the commands, with its errors in the user's terms: `--kye: unknown option; did you mean --key?
 * (see smartmeter-bridge decode --help)` instead of Node's advice about positional arguments.
 */

/** A command line the command cannot take; its message is one line for the user. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options, P extends boolean>(
  command: string,
  args: readonly string[],
  options: O,
  allowPositionals: P,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: P; strict: true }>> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(explainArgsError(error, command, Object.keys(options)));
  }
}

/** Node's parseArgs error as one line naming the option as typed, a likely meant one, and where help is. */
export function explainArgsError(error: unknown, command: string, known: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const help = `(see smartmeter-bridge ${command} --help)`;
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown !== undefined) {
    const meant = didYouMean(unknown, known);
    return `${unknown}: unknown option${meant === undefined ? '' : `; did you mean --${meant}?`} ${help}`;
  }
  const missing = /Option '(?:-\w, )?(--[^' ]+)(?: <value>)?' argument missing/.exec(message)?.[1];
  if (missing !== undefined) return `${missing}: needs a value ${help}`;
  const valueless = /Option '(?:-\w, )?(--[^' ]+)' does not take an argument/.exec(message)?.[1];
  if (valueless !== undefined) return `${valueless}: takes no value ${help}`;
  const extra = /Unexpected argument '([^']+)'/.exec(message)?.[1];
  if (extra !== undefined) return `${extra}: unexpected argument ${help}`;
  return `${message.replace(/\. To specify[\s\S]*$/, '')} ${help}`;
}
