import { type OptionRow, USAGE_GROUPS } from './option-row.js';
import { ROWS } from './options.js';
import { OPTIONS_FLAG } from './raw-input.js';

/** `smartmeter-bridge run --help`, written from the options table. */

const WIDTH = 110;
const COLUMN = 27;

export function runUsage(): string {
  const lines = [
    'Usage: smartmeter-bridge run --key HEX [options]',
    '',
    'In brackets: the other flags of an option, its environment variable and its name in an options file.',
    'Flags win over environment variables, and those over the options file.',
  ];
  for (const [group, heading] of Object.entries(USAGE_GROUPS)) {
    lines.push('', `${heading}:`);
    for (const [, row] of ROWS) if (row.group === group) lines.push(...describe(row));
    if (group === 'other')
      lines.push(
        ...entry(
          `--${OPTIONS_FLAG} FILE`,
          "read the options of a JSON file, such as the add-on's /data/options.json, by their option names",
        ),
      );
  }
  const python = ROWS.flatMap(([, row]) => (row.python?.flag === undefined ? [] : [`--${row.python.flag}`]));
  const pythonEnv = ROWS.flatMap(([, row]) =>
    row.python?.env === true && row.env !== undefined ? [row.env] : [],
  );
  lines.push(
    '',
    ...wrap(
      `The flags and variables of the Python project this replaces keep working: ${python.join(' ')}; ${pythonEnv.join(' ')}.`,
      0,
    ),
  );
  return lines.join('\n');
}

function describe(row: OptionRow<unknown>): string[] {
  const flags = [...(row.flags ?? []), ...(row.python?.flag === undefined ? [] : [row.python.flag])];
  const lead =
    row.switch === undefined
      ? `--${flags[0]}${row.arg === undefined ? '' : ` ${row.arg}`}`
      : `--${row.switch.flag}`;
  const fallback =
    typeof row.default === 'function' || typeof row.default === 'boolean' ? undefined : row.default;
  const help = row.help
    .replaceAll('{flag}', `--${flags[0]}`)
    .replaceAll('{env}', row.env ?? '')
    .replaceAll('{default}', String(fallback));
  const also = [
    ...flags.slice(row.switch === undefined ? 1 : 0).map((f) => `--${f}`),
    ...(row.env === undefined ? [] : [row.env]),
    ...(row.option === undefined ? [] : [`option ${row.option}`]),
  ];
  const shown = fallback === undefined || row.help.includes('{default}') ? '' : ` (default ${fallback})`;
  return entry(lead, `${help}${shown}${also.length === 0 ? '' : ` [${also.join(', ')}]`}`);
}

/** One option: its flag, and its text beside it (or below it when the flag is too long), wrapped. */
function entry(lead: string, text: string): string[] {
  const [first = '', ...rest] = wrap(text, COLUMN);
  const head = `  ${lead}`;
  if (head.length < COLUMN - 1) return [`${head.padEnd(COLUMN)}${first.trimStart()}`, ...rest];
  return [head, first, ...rest];
}

/** Words to lines of at most WIDTH characters, each indented by `indent`. */
function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(`${' '.repeat(indent)}${line}`);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, `${' '.repeat(indent)}${line}`];
}
