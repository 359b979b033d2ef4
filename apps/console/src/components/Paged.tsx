import { Group, Pagination, Text } from '@mantine/core';

/** `?page=&pageSize=` for a list route. */
export function pageQuery(page: number, pageSize: number): string {
  return `page=${page}&pageSize=${pageSize}`;
}

/** "1–50 of 120" and page buttons under a list; hidden when everything fits on one page. */
export function Paged({
  page,
  pageSize,
  total,
  onChange,
}: {
  page: number;
  pageSize: number;
  total: number;
  onChange: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (total <= pageSize) return null;
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <Group justify="space-between" mt="md">
      <Text size="sm" c="dimmed">
        {first}–{last} of {total}
      </Text>
      <Pagination value={page} total={pages} onChange={onChange} size="sm" />
    </Group>
  );
}
