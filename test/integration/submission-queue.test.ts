import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/core/pipeline.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow, requireFlow } from '../../src/flows/flow.service.js';
import { evaluatedSubmission } from '../../src/leads/lead.service.js';
import { SubmissionQueue } from '../../src/leads/submission-queue.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const example = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

for (const dialect of DIALECTS) {
  describe(`submission group commit on ${dialect}`, () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, example);
    });
    afterAll(() => t.destroy());

    it('fails only the submission at fault when a grouped write fails, and stores the others once', async () => {
      const queue = new SubmissionQueue(t.store);
      const flow = compileFlow(await requireFlow(t.store.db, 'solar'));
      const context = { flow, sourceId: 'acme-media', importId: null };
      const submissions = Array.from({ length: 10 }, (_, i) => {
        const raw = { first_name: 'G', email: `grouped${i}@example.com`, state: 'TX' };
        return evaluatedSubmission(null, raw, flow.evaluate(raw, 'acme-media'), 1);
      });
      // Submitted in one turn of the event loop, so they are written as one group; the fourth one's extra
      // work (as an Idempotency-Key answer would be) fails inside the group's transaction.
      const settled = await Promise.allSettled(
        submissions.map((submission, i) =>
          queue.submit(context, submission, async () => {
            if (i === 3) throw new Error('this one is at fault');
          }),
        ),
      );
      expect(settled.map((result) => result.status)).toEqual(
        submissions.map((_, i) => (i === 3 ? 'rejected' : 'fulfilled')),
      );
      const stored = await t.store.db
        .selectFrom('leads')
        .select('fields')
        .where('fields', 'like', '%grouped%')
        .execute();
      expect(stored.map((row) => (JSON.parse(row.fields) as { email: string }).email).sort()).toEqual(
        [0, 1, 2, 4, 5, 6, 7, 8, 9].map((i) => `grouped${i}@example.com`).sort(),
      );
    });
  });
}
