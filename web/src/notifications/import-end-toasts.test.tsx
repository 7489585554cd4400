// @vitest-environment happy-dom
import { Notifications, notifications as toasts } from '@mantine/notifications';
import { cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationView } from '../../../src/notifications/notification.schema';
import { ImportEndToasts } from './import-end-toasts';

function notification(id: string, createdAt: Date, importId = `imp-${id}`): NotificationView {
  return {
    id,
    kind: 'import_finished',
    importId,
    flowId: 'solar',
    sourceId: 'acme-media',
    status: 'completed_with_errors',
    message: `Import of ${id}.csv completed: 9 created, 0 updated, 1 failed.`,
    createdAt: createdAt.toISOString(),
    readAt: null,
  };
}

function renderAt(path: string, items: NotificationView[] | undefined) {
  const ui = (list: NotificationView[] | undefined) => (
    <MantineProvider>
      <MemoryRouter initialEntries={[path]}>
        <Notifications />
        <ImportEndToasts notifications={list} />
      </MemoryRouter>
    </MantineProvider>
  );
  const view = render(ui(items));
  return (next: NotificationView[]) => view.rerender(ui(next));
}

describe('the toast when an import ends', () => {
  afterEach(() => {
    cleanup();
    // Mantine keeps its toasts in a module-wide store.
    toasts.clean();
  });

  it('shows a notification that arrives while the app is open, wherever the user is', async () => {
    const old = notification('old', new Date(Date.now() - 60_000));
    const update = renderAt('/', [old]);
    const fresh = notification('spring', new Date(Date.now() + 1000));
    update([fresh, old]);
    expect(await screen.findByText('Import completed with errors')).toBeTruthy();
    expect(screen.getByText(/Import of spring.csv completed/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'See the details' }).getAttribute('href')).toBe('/jobs/imp-spring');
    expect(screen.queryByText(/old.csv/)).toBeNull();
  });

  it("shows none on that import's own page, which shows its end already", async () => {
    const update = renderAt('/jobs/imp-here', []);
    update([notification('here', new Date(Date.now() + 1000))]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByText('Import completed with errors')).toBeNull();
  });
});
