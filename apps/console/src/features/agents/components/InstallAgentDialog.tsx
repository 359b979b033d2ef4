import { JOIN_TOKEN_MAX_TTL_MINUTES, type IssuedJoinToken } from '@outpost/shared';
import { Alert, Button, Group, Modal, NumberInput, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { createJoinToken } from '../api/agents.queries';
import { CopyCommand, ProblemAlert, fieldErrors } from '../../../components';

function IssuedToken({ issued }: { issued: IssuedJoinToken }) {
  return (
    <Stack>
      <Alert color="yellow" title="Shown once">
        Copy the command now: the token in it is never shown again. Run it as root on the host that should run
        the agent.
      </Alert>
      <CopyCommand command={issued.installCommand} />
      <Text size="sm" c="dimmed">
        The token works {issued.joinToken.maxUses === 1 ? 'once' : `${issued.joinToken.maxUses} times`} until{' '}
        {new Date(issued.joinToken.expiresAt).toLocaleString()}.
      </Text>
    </Stack>
  );
}

/** Issues a join token and shows the one-line install command. */
export function InstallAgentDialog({ zoneId }: { zoneId: number }) {
  const [opened, setOpened] = useState(false);
  const [maxUses, setMaxUses] = useState<number | string>(1);
  const [ttlMinutes, setTtlMinutes] = useState<number | string>(60);
  const issue = useMutation({
    mutationFn: () => createJoinToken(zoneId, { maxUses: Number(maxUses), ttlMinutes: Number(ttlMinutes) }),
  });
  const errors = fieldErrors(issue.error);
  const close = () => {
    setOpened(false);
    issue.reset();
  };

  return (
    <>
      <Button onClick={() => setOpened(true)}>Install agent</Button>
      <Modal opened={opened} onClose={close} title="Install an agent" size="lg">
        {issue.data ? (
          <>
            <IssuedToken issued={issue.data} />
            <Group justify="flex-end" mt="md">
              <Button onClick={close}>Done</Button>
            </Group>
          </>
        ) : (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              issue.mutate();
            }}
          >
            <Stack>
              <Text size="sm">
                A join token lets hosts join this zone. Choose how many hosts may use it and for how long.
              </Text>
              <NumberInput
                label="Maximum uses"
                description="How many agents may join with this token"
                min={1}
                max={1000}
                value={maxUses}
                onChange={setMaxUses}
                error={errors['maxUses']}
                required
              />
              <NumberInput
                label="Valid for (minutes)"
                min={1}
                max={JOIN_TOKEN_MAX_TTL_MINUTES}
                value={ttlMinutes}
                onChange={setTtlMinutes}
                error={errors['ttlMinutes']}
                required
              />
              {issue.isError && Object.keys(errors).length === 0 ? (
                <ProblemAlert error={issue.error} />
              ) : null}
              <Group justify="flex-end">
                <Button variant="default" onClick={close}>
                  Cancel
                </Button>
                <Button type="submit" loading={issue.isPending}>
                  Create install command
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
