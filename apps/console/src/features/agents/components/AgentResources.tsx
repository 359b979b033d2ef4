import type { Agent } from '@outpost/shared';
import { Text } from '@mantine/core';

function mb(value: number | null): string {
  if (value === null) return '?';
  return value >= 1024 ? `${(value / 1024).toFixed(1)} GB` : `${value} MB`;
}

/** CPU cores, memory and disk as free / total. */
export function AgentResources({ resources }: { resources: Agent['resources'] }) {
  return (
    <Text size="xs" style={{ whiteSpace: 'nowrap' }}>
      {resources.cpuCores ?? '?'} CPU
      <br />
      mem {mb(resources.freeMemoryMb)} / {mb(resources.memoryMb)}
      <br />
      disk {mb(resources.freeDiskMb)} / {mb(resources.diskMb)}
    </Text>
  );
}
