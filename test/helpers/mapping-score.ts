import type { ColumnMapping } from '../../src/core/mapping.js';

/**
 * What a person would map each column to, by header: a field, alternatives ("phone_1|phone_2"), or with a
 * leading "?" a choice a person may make or not ("?comments": comments or skipped). Columns not listed are
 * to be skipped.
 */
export type ExpectedMapping = Readonly<Record<string, string>>;

export interface Score {
  /** Columns that should map to a field. */
  shouldMap: number;
  /** Of those, mapped to an accepted field. */
  right: number;
  /** Columns mapped at all. */
  mapped: number;
  /** Columns mapped to a field a person would not choose (including columns a person would skip). */
  falseMaps: string[];
  /** Columns that should map and did not (or mapped wrong). */
  misses: string[];
}

/** Compares a suggested mapping with a hand-labelled one. */
export function scoreMapping(name: string, columns: readonly ColumnMapping[], expected: ExpectedMapping): Score {
  const score: Score = { shouldMap: 0, right: 0, mapped: 0, falseMaps: [], misses: [] };
  for (const column of columns) {
    const label = expected[column.header];
    const optional = label === undefined || label.startsWith('?');
    const accepted = new Set((label ?? '').replace(/^\?/, '').split('|').filter(Boolean));
    if (!optional) score.shouldMap++;
    if (column.field) score.mapped++;
    const ok = column.field ? accepted.has(column.field) : optional;
    if (!optional && ok) score.right++;
    if (!ok && !optional)
      score.misses.push(`${name}: "${column.header}" -> ${column.field ?? 'skip'} (expected ${label})`);
    if (column.field && !accepted.has(column.field))
      score.falseMaps.push(`${name}: "${column.header}" -> ${column.field} (expected ${label ?? 'skip'})`);
  }
  return score;
}

/** Adds scores up. */
export function totalScore(scores: readonly Score[]): Score {
  return scores.reduce<Score>(
    (sum, score) => ({
      shouldMap: sum.shouldMap + score.shouldMap,
      right: sum.right + score.right,
      mapped: sum.mapped + score.mapped,
      falseMaps: [...sum.falseMaps, ...score.falseMaps],
      misses: [...sum.misses, ...score.misses],
    }),
    { shouldMap: 0, right: 0, mapped: 0, falseMaps: [], misses: [] },
  );
}

/** Recall (right / should map) and precision (right maps / all maps) as percentages, one decimal. */
export function figures(score: Score): { recall: number; precision: number } {
  const percent = (part: number, whole: number) => (whole === 0 ? 100 : Math.round((part / whole) * 1000) / 10);
  return {
    recall: percent(score.right, score.shouldMap),
    precision: percent(score.mapped - score.falseMaps.length, score.mapped),
  };
}
