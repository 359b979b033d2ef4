import { Card, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** One card of the overview: a title, optional link on the right, and its content. */
export function StatCard({
  title,
  action,
  children,
}: {
  title: string;
  action?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Text fw={600} size="sm" c="dimmed" tt="uppercase">
          {title}
        </Text>
        {action}
      </Group>
      {children}
    </Card>
  );
}

/** A number with its label under it, coloured by meaning and never by colour alone. */
export function Figure({
  value,
  label,
  color,
}: {
  value: number | undefined;
  label: string;
  color?: string;
}) {
  return (
    <div data-testid={`figure-${label.toLowerCase()}`}>
      <Text fz={28} fw={700} lh={1.1} c={color}>
        {value ?? '–'}
      </Text>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
    </div>
  );
}
