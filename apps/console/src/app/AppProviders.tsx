import { QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { createQueryClient } from './query-client';

/** Everything the pages rely on; the router joins here when the real pages arrive. */
export function AppProviders({ children }: { children: ReactNode }) {
  // One client for the life of the page, not one per render.
  const [queryClient] = useState(createQueryClient);
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
