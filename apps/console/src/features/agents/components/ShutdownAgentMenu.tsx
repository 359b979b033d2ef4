import { Button, Group, Menu, Modal, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { zonePath } from '../../../app/zone';
import { agentKeys, retireAgent, type ShutdownMode, shutDownAgent } from '../api/agents.queries';

type AgentAction = ShutdownMode | 'Retire';
import { ProblemAlert } from '../../../components';

const wording: Record<AgentAction, { title: string; text: string; confirm: string }> = {
  Retire: {
    title: 'Retire agent',
    text: 'For a host that is gone or being decommissioned: the agent gets no more work, cannot sign in again and gives up the zone lease at once. Installing it again needs a new join token.',
    confirm: 'Retire',
  },
  GracefulShutdownAgent: {
    title: 'Shut down agent',
    text: 'The agent stops taking work, waits for its running atOnce tasks (up to 5 minutes), then stops.',
    confirm: 'Shut down',
  },
  ForceShutdownAgent: {
    title: 'Force shutdown',
    text: 'The agent process stops at once; its running tasks are killed and reported as stopped.',
    confirm: 'Force shutdown',
  },
};

/**
 * Shut down (or force) one agent, through a task aimed at it, or retire it — each after a
 * confirmation.
 */
export function ShutdownAgentMenu({ zoneId, agentKey }: { zoneId: number; agentKey: string }) {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<AgentAction | null>(null);
  const shutdown = useMutation({
    mutationFn: async (chosen: AgentAction) =>
      chosen === 'Retire'
        ? { retired: await retireAgent(zoneId, agentKey) }
        : { task: await shutDownAgent(zoneId, agentKey, chosen) },
    // Retiring writes no event the live stream would carry: refresh the list here.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: agentKeys.zone(zoneId) }),
  });
  const close = () => {
    setMode(null);
    shutdown.reset();
  };
  const text = mode ? wording[mode] : null;

  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button size="compact-xs" variant="light" color="red" aria-label={`Shut down ${agentKey}`}>
            Shut down…
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => setMode('GracefulShutdownAgent')}>Graceful shutdown</Menu.Item>
          <Menu.Item color="red" onClick={() => setMode('ForceShutdownAgent')}>
            Force shutdown
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item color="red" onClick={() => setMode('Retire')}>
            Retire…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal opened={mode !== null} onClose={close} title={text ? `${text.title}: ${agentKey}` : ''}>
        {shutdown.isSuccess ? (
          <>
            {shutdown.data.task ? (
              <Text mb="md">
                Shutdown task{' '}
                <Link to={zonePath(zoneId, `tasks/${shutdown.data.task.id}`)}>#{shutdown.data.task.id}</Link>{' '}
                was created; the agent stops when it picks it up.
              </Text>
            ) : (
              <Text mb="md">The agent is retired: it gets no more work and can no longer sign in.</Text>
            )}
            <Group justify="flex-end">
              <Button onClick={close}>Close</Button>
            </Group>
          </>
        ) : (
          <>
            <Text mb="md">{text?.text}</Text>
            {shutdown.isError ? <ProblemAlert error={shutdown.error} /> : null}
            <Group justify="flex-end" mt="md">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button color="red" loading={shutdown.isPending} onClick={() => mode && shutdown.mutate(mode)}>
                {text?.confirm}
              </Button>
            </Group>
          </>
        )}
      </Modal>
    </>
  );
}
