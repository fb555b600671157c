import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Which part of src/ may import which: the data flows one way (docs/design.md), and so do the imports.
 * Every file's `import … from '…'`, `export … from '…'` and `import('…')` of another file in src/ (types
 * included) must go down the table below, never up, and never sideways to another unit of the same row.
 * A unit is a folder of src/, or a file directly in it.
 */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Low to high. A unit may import units of lower rows only (and itself). */
const LAYERS: readonly (readonly string[])[] = [
  // Foundations: import nothing of ours.
  ['errors.ts', 'version.ts', 'log.ts', 'net'],
  // Bytes and hex text.
  ['bytes'],
  // Keys as users write them; COSEM (OBIS codes, date-time, units); M-Bus and HDLC framing, reassembly.
  ['key.ts', 'cosem', 'mbus', 'hdlc'],
  // DLMS: A-XDR, ciphering, decryption; DSMR text; OMS mode 5. Where bytes come from (serial, TCP, replay), which
  // only move bytes.
  ['dlms', 'dsmr', 'oms', 'source'],
  // The meter's model: value keys and names, OBIS → values, the guard.
  ['meter'],
  // Bytes → telegrams; and back again, for the simulator and the tests.
  ['decoder', 'encode'],
  // A virtual meter.
  ['simulator'],
  // The pipeline: source → decoder → guard → listeners, its counters, and what outputs tell each other.
  ['bridge'],
  // The outputs, each on its own: none imports another (the app passes on what one tells another).
  ['mqtt', 'sinks', 'web', 'ha'],
  // What the user asked for, in every component's terms: read by app/, cli/ and addon/ only.
  ['config'],
  // The composition root: builds, starts and stops the components.
  ['app'],
  // The entry points.
  ['cli', 'addon'],
];

/**
 * Beyond the table: the entry points reach the pipeline and its outputs only through app/, never build
 * them themselves. What they may use below app/ are pure tools (decode, simulate, key parsing, config).
 */
const ONLY_THROUGH_APP: readonly string[] = ['bridge', 'source', 'mqtt', 'sinks', 'web', 'ha'];
const ENTRY_POINTS: readonly string[] = ['cli', 'addon'];
/** Single files that are allowed anyway, each with its reason. */
const EXCEPTIONS: readonly { from: string; to: string; why: string }[] = [
  {
    from: 'cli/udev-rule.ts',
    to: 'source/usb-identity.ts',
    why: 'udev-rule names an adapter by its USB serial number, read as the serial source does; it runs no pipeline',
  },
];

type Edge = { readonly from: string; readonly to: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import of one src/ file by another, as paths relative to src/ (`bridge/bridge.ts`). */
function edges(): Edge[] {
  const found: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of [IMPORT, DYNAMIC_IMPORT]) {
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1] ?? '';
        if (!specifier.startsWith('.')) continue; // node:…, packages
        const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
        found.push({ from: relative(SRC, file), to: relative(SRC, target) });
      }
    }
  }
  return found;
}

const unitOf = (path: string): string => path.split('/')[0] ?? path;
const rowOf = (unit: string): number => LAYERS.findIndex((row) => row.includes(unit));

describe('import graph of src/', () => {
  const all = edges();
  const between = all.filter((e) => unitOf(e.from) !== unitOf(e.to));

  it('finds the imports (the patterns read this code base)', () => {
    const has = (from: string, to: string): boolean => all.some((e) => e.from === from && e.to === to);
    assert.ok(all.length > 150, `${all.length} imports`);
    assert.ok(has('bridge/bridge.ts', 'decoder/telegram-decoder.ts'), 'a static import');
    assert.ok(has('bridge/bridge.ts', 'meter/meter-model.ts'), 'an `import type`');
    assert.ok(has('app/components.ts', 'source/serial-source.ts'), 'a dynamic import');
    assert.ok(has('app/app.ts', 'ha/ha-integration.ts'), 'a dynamic import, destructured');
    for (const e of all) assert.ok(!e.to.startsWith('..'), `${e.from} imports ${e.to}, outside src/`);
  });

  it('places every part of src/ in the table', () => {
    const units = new Set(sourceFiles(SRC).map((file) => unitOf(relative(SRC, file))));
    const missing = [...units].filter((unit) => rowOf(unit) === -1);
    assert.deepEqual(missing, [], 'a new folder or top-level file: decide where it belongs in LAYERS');
  });

  it('imports only downwards: never up, never sideways within a row', () => {
    const wrong = between
      .filter((e) => rowOf(unitOf(e.to)) >= rowOf(unitOf(e.from)))
      .map((e) => {
        const [from, to] = [rowOf(unitOf(e.from)), rowOf(unitOf(e.to))];
        return `${e.from} → ${e.to} (${from === to ? 'sideways' : 'up'}: row ${from} → ${to})`;
      });
    assert.deepEqual(wrong, [], wrong.join('\n'));
  });

  it('cli/ and addon/ reach the pipeline and its outputs only through app/', () => {
    const excepted = (e: Edge): boolean => EXCEPTIONS.some((x) => x.from === e.from && x.to === e.to);
    const wrong = between
      .filter((e) => ENTRY_POINTS.includes(unitOf(e.from)) && ONLY_THROUGH_APP.includes(unitOf(e.to)))
      .filter((e) => !excepted(e))
      .map((e) => `${e.from} → ${e.to}`);
    assert.deepEqual(wrong, [], wrong.join('\n'));
    for (const x of EXCEPTIONS)
      assert.ok(
        between.some((e) => e.from === x.from && e.to === x.to),
        `stale exception ${x.from} → ${x.to}`,
      );
  });

  it('in particular: bridge/ imports nothing of mqtt/, addon/ nothing of cli/, ha/ nothing of mqtt/ or web/', () => {
    const named = (from: string, to: readonly string[]): string[] =>
      between
        .filter((e) => unitOf(e.from) === from && to.includes(unitOf(e.to)))
        .map((e) => `${e.from} → ${e.to}`);
    assert.deepEqual(named('bridge', ['mqtt']), []);
    assert.deepEqual(named('addon', ['cli']), []);
    assert.deepEqual(named('ha', ['mqtt', 'web']), []);
  });
});
