import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';

/** An error in the server's words, announced to screen readers. */
export function ErrorNotice({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Alert color="red" title={title} role="alert" variant="light">
      {children}
    </Alert>
  );
}
