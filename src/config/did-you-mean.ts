/**
 * The option a mistyped one was probably meant to be: `--kye` → `--key`, `--mqtt-passwort` → `--mqtt-password`.
 * Closest by edit distance (a swap of two neighbouring letters counts as one edit), and only when close enough
 * that the suggestion is likely right.
 */
export function didYouMean(typed: string, known: readonly string[]): string | undefined {
  const name = typed.replace(/^-+/, '').replace(/=.*$/, '').toLowerCase();
  let best: { option: string; distance: number } | undefined;
  for (const option of known) {
    const distance = editDistance(name, option.toLowerCase());
    if (best === undefined || distance < best.distance) best = { option, distance };
  }
  if (best === undefined) return undefined;
  // One edit in a short name, up to a third of a longer one.
  const allowed = Math.max(1, Math.floor(name.length / 3));
  return best.distance <= allowed ? best.option : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, at(i - 2, j - 2) + 1);
      row[j] = d;
    }
  }
  return at(a.length, b.length);
}
