import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import '@mantine/notifications/styles.css';
import {
  createTheme,
  type CSSVariablesResolver,
  defaultVariantColorsResolver,
  MantineProvider,
  parseThemeColor,
  type VariantColorsResolver,
} from '@mantine/core';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from './api/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { SignInLinkPage } from './auth/sign-in-link-page';
import { SignInPage } from './auth/sign-in-page';
import { FlowEditorPage } from './flows/flow-editor-page';
import { FlowsPage } from './flows/flows-page';
import { WizardPage } from './imports/wizard/wizard-page';
import { JobPage } from './jobs/job-page';
import { JobsPage } from './jobs/jobs-page';
import { Shell } from './layout/shell';
import { LeadsPage } from './leads/leads-page';
import { NotificationsPage } from './notifications/notifications-page';
import { ReportPage } from './report/report-page';
import { SourcesPage } from './sources/sources-page';
import { SubmissionDocsPage } from './sources/submission-docs-page';
import { TemplatesPage } from './templates/templates-page';

// Light badges and buttons write in their colour's middle shade, too pale for small text on the pale
// background (axe: 3-4:1); the 9th shade darkened by two fifths reads at 5.5:1 or better, yellow included.
const readableLightVariant: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (input.variant !== 'light' || !parsed.isThemeColor) return colors;
  return { ...colors, color: `color-mix(in srgb, var(--mantine-color-${parsed.color}-9), black 40%)` };
};

// A darker primary shade keeps filled buttons' white labels above WCAG AA's 4.5:1.
const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: 8,
  defaultRadius: 'md',
  variantColorResolver: readableLightVariant,
  // Mantine's close buttons are icons without a name; screen readers announce this one. A toast's text is
  // Mantine's pale grey (3.3:1): the readable grey instead.
  components: {
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    Drawer: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    Notification: { styles: { description: { color: 'var(--mantine-color-gray-7)' } } },
  },
});

// Mantine's dimmed grey (descriptions, hints) is 3.3:1 on white; gray.7 reads at 8:1 (WCAG AA needs 4.5).
// The --lp-text-* colours are for figures and messages in words: good, warning, bad, informative, each at
// 5.5:1 or better on white (Mantine's green.9 and orange.9 are near 4:1).
const readableColors: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--lp-text-good': '#1b6e2c',
    '--lp-text-warn': '#a3460a',
    '--lp-text-bad': '#b02525',
    '--lp-text-info': '#1864ab',
  },
  dark: {},
});

// A session that ended (expired, signed out in another tab, its key revoked) shows the sign-in page at the
// next request that is refused, not a screen of errors.
const queryClient: QueryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true } },
  queryCache: new QueryCache({
    onError: (error) => {
      if (error instanceof ApiError && error.status === 401) queryClient.setQueryData(['session'], null);
    },
  }),
});

// The client-side routes; src/http/routes/web.routes.ts serves index.html at each of their sections.
const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  { path: '/sign-in/:token', element: <SignInLinkPage /> },
  {
    element: <Shell />,
    children: [
      { path: '/', element: <LeadsPage /> },
      { path: '/leads', element: <LeadsPage /> },
      { path: '/imports/new', element: <WizardPage /> },
      { path: '/imports/:id', element: <WizardPage /> },
      { path: '/jobs', element: <JobsPage /> },
      { path: '/jobs/:id', element: <JobPage /> },
      { path: '/report', element: <ReportPage /> },
      { path: '/flows', element: <FlowsPage /> },
      { path: '/flows/:id', element: <FlowEditorPage /> },
      { path: '/sources', element: <SourcesPage /> },
      { path: '/sources/:sourceId/docs/:flowId', element: <SubmissionDocsPage /> },
      { path: '/templates', element: <TemplatesPage /> },
      { path: '/notifications', element: <NotificationsPage /> },
    ],
  },
]);

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={readableColors}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
