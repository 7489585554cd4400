import { TERMINAL_STATUSES, type ImportView } from '../../api/imports';

export const STEPS = ['upload', 'preview', 'map', 'validate', 'import', 'summary'] as const;
export type WizardStep = (typeof STEPS)[number];

export const STEP_LABELS: Record<WizardStep, string> = {
  upload: 'Upload',
  preview: 'Preview',
  map: 'Map',
  validate: 'Validate',
  import: 'Import',
  summary: 'Summary',
};

/** The steps the user may ask for in the URL (`?step=`) while the import is still being prepared. */
const REQUESTABLE: readonly WizardStep[] = ['preview', 'map', 'validate'];

/**
 * The wizard's step, from the import's state on the server and the step the URL asks for: a reload or a
 * second tab shows the same step. The server decides whenever it can: a running or finished import is on
 * the import or summary step whatever the URL says, and a validation that runs is shown running. While the
 * import is only uploaded, the URL chooses between preview, map and (once validated) the report.
 */
export function stepOf(view: ImportView | undefined, requested: string | null): WizardStep {
  if (!view) return 'upload';
  if (TERMINAL_STATUSES.includes(view.status)) return 'summary';
  if (view.status !== 'uploaded') return 'import';
  if (view.validation?.status === 'running') return 'validate';
  const asked = REQUESTABLE.find((step) => step === requested);
  if (asked === 'validate') return view.validation ? 'validate' : 'map';
  if (asked) return asked;
  return view.validation ? 'validate' : 'preview';
}
