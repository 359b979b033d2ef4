import { Stack, Text } from '@mantine/core';
import { useSession } from '../../../app/session';
import { PageHeader } from '../../../components/PageHeader';
import { ApiTokensCard } from '../components/ApiTokensCard';
import { ChangePasswordCard } from '../components/ChangePasswordCard';

export function SettingsPage() {
  const { user } = useSession();
  return (
    <>
      <PageHeader
        title="Settings"
        description={
          <Text span size="sm">
            Signed in as <b>{user.username}</b> ({user.role}).
          </Text>
        }
      />
      <Stack>
        <ChangePasswordCard />
        <ApiTokensCard />
      </Stack>
    </>
  );
}
