import { describe, expect, it } from 'vitest';
import { emptyTaskFilters } from './api/tasks.queries';
import { filtersFromSearch, searchFromFilters } from './task-filters-url';

describe('task filters in the URL', () => {
  it('round-trips every filter and the page', () => {
    const filters = {
      statuses: ['failed' as const, 'timeout' as const],
      taskType: 'iteration' as const,
      agentKey: 'agt_1',
      name: 'backup',
      createdFrom: '2026-01-01T00:00:00.000Z',
      createdTo: null,
    };
    expect(filtersFromSearch(searchFromFilters(filters, 3))).toEqual({ filters, page: 3 });
  });

  it('ignores what it does not know', () => {
    const search = new URLSearchParams('status=failed,bogus&type=weekly&page=-2');
    expect(filtersFromSearch(search)).toEqual({
      filters: { ...emptyTaskFilters, statuses: ['failed'] },
      page: 1,
    });
  });
});
