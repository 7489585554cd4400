import { describe, expect, it } from 'vitest';
import { STANDARD_FIELDS } from '../../src/core/catalogue.js';
import { suggestMapping } from '../../src/core/mapping.js';
import { parseFlowDefinition } from '../../src/flows/flow.schema.js';
import { HELD_OUT } from '../fixtures/mapping-heldout.js';
import { figures, scoreMapping, totalScore } from '../helpers/mapping-score.js';

const everything = parseFlowDefinition({
  id: 'all',
  name: 'All',
  fields: STANDARD_FIELDS.map((field) => ({ name: field.name })),
});

describe('mapping a held-out set of exports (systems not in ../shared/realworld)', () => {
  it('maps at least 97% of the columns a person would map, and nothing a person would skip', () => {
    const scores = HELD_OUT.map(({ system, columns, expected }) => {
      const headers = Object.keys(columns);
      const samples = [0, 1, 2].map((row) => headers.map((header) => columns[header]?.[row] ?? ''));
      return scoreMapping(system, suggestMapping(headers, everything.fields, { samples, phoneRegion: 'US' }), expected);
    });
    const total = totalScore(scores);
    const { recall, precision } = figures(total);
    console.log(
      `held-out mapping (${HELD_OUT.length} exports): ${total.right}/${total.shouldMap} columns right (recall ${recall}%), ${total.falseMaps.length} false maps of ${total.mapped} (precision ${precision}%)`,
    );
    if (total.misses.length > 0) console.log(`misses:\n  ${total.misses.join('\n  ')}`);
    if (total.falseMaps.length > 0) console.log(`false maps:\n  ${total.falseMaps.join('\n  ')}`);
    expect(total.falseMaps).toEqual([]);
    expect(recall).toBeGreaterThanOrEqual(97);
  });
});
