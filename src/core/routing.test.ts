import { describe, expect, it } from 'vitest';
import type { FlowSpec } from './flow-spec.js';
import { compileRouter, routingFlow, splitByFlow } from './routing.js';

const field = (name: string, required = false) => ({
  name,
  label: name,
  type: 'string' as const,
  required,
  aliases: [],
  choices: [],
  custom: false,
});

const solar: FlowSpec = {
  id: 'solar',
  name: 'Solar',
  defaultPhoneRegion: 'US',
  fields: [field('email', true), field('first_name')],
  sources: [{ id: 'acme', name: 'Acme' }],
};
const roofing: FlowSpec = {
  id: 'roofing',
  name: 'Roofing',
  defaultPhoneRegion: 'US',
  fields: [field('email'), field('roof_type', true)],
  sources: [
    { id: 'acme', name: 'Acme' },
    { id: 'zen', name: 'Zen' },
  ],
};

describe('routingFlow', () => {
  it('offers the routing targets (required) and every field of the flows, none of them required', () => {
    const flow = routingFlow([solar, roofing]);
    expect(flow.fields.map((f) => [f.name, f.required])).toEqual([
      ['flow_id', true],
      ['source_id', true],
      ['email', false],
      ['first_name', false],
      ['roof_type', false],
    ]);
  });
});

describe('compileRouter', () => {
  const route = compileRouter({ flows: [solar, roofing], hints: {} });

  it("sends a row to the flow and source it names, evaluated by that flow's fields", () => {
    const destination = route({ flow_id: ' roofing ', source_id: 'zen', email: 'a@x.com' });
    expect('reason' in destination).toBe(false);
    if ('reason' in destination) return;
    expect(destination.flow.spec.id).toBe('roofing');
    expect(destination.sourceId).toBe('zen');
    expect(destination.flow.evaluate({ email: 'a@x.com' }, 'zen').reasons).toEqual(['roof_type is required']);
  });

  it('refuses a row naming no flow, an unknown flow, or a source the flow does not have, saying which', () => {
    expect(route({ flow_id: '', source_id: 'acme' })).toMatchObject({
      reason: 'flow_id is blank: the row names no flow',
    });
    expect(route({ flow_id: 'solar', source_id: ' ' })).toMatchObject({
      reason: 'source_id is blank: the row names no source',
    });
    expect(route({ flow_id: 'gutters', source_id: 'acme' })).toMatchObject({
      flowId: 'gutters',
      sourceId: 'acme',
      reason: 'flow_id: unknown flow "gutters"',
    });
    expect(route({ flow_id: 'solar', source_id: 'zen' })).toMatchObject({
      reason: 'source_id: source "zen" is not attached to flow "solar"',
    });
  });

  it("keeps a source key's rows to its own source", () => {
    const own = compileRouter({ flows: [roofing], hints: {}, onlySource: 'acme' });
    expect(own({ flow_id: 'roofing', source_id: 'zen' })).toMatchObject({
      sourceId: 'acme',
      reason: 'source_id: this API key belongs to source "acme"; it imports only into its own source, not "zen"',
    });
    expect('reason' in own({ flow_id: 'roofing', source_id: 'acme' })).toBe(false);
  });
});

describe('splitByFlow', () => {
  it('groups rows by flow in file order, or keeps runs of consecutive rows when flows share keys', () => {
    const flows = ['solar', 'roofing', 'solar', 'solar', 'roofing'];
    expect(splitByFlow(flows, false)).toEqual([
      [0, 2, 3],
      [1, 4],
    ]);
    expect(splitByFlow(flows, true)).toEqual([[0], [1], [2, 3], [4]]);
  });
});
