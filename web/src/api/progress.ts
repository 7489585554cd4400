import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ImportView } from './imports';

/**
 * Follows a running import's server-sent progress events into the query cache, so every view of the import
 * moves with it; the polling of useImport stays as the fallback when a proxy buffers the stream.
 */
export function useImportProgress(id: string | undefined, running: boolean) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!id || !running || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/api/imports/${encodeURIComponent(id)}/progress`);
    const update = (event: MessageEvent<string>) => {
      try {
        queryClient.setQueryData(['imports', id], JSON.parse(event.data) as ImportView);
      } catch {
        // A malformed event is skipped; the next one, or the polling, brings the state.
      }
    };
    source.addEventListener('progress', update);
    source.addEventListener('end', (event) => {
      update(event);
      source.close();
      void queryClient.invalidateQueries({ queryKey: ['imports'] });
      void queryClient.invalidateQueries({ queryKey: ['notifications'] });
    });
    return () => source.close();
  }, [id, running, queryClient]);
}
