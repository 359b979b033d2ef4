import {
  AppShell,
  Avatar,
  Burger,
  Group,
  Loader,
  Menu,
  NavLink,
  ScrollArea,
  Select,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, Outlet, useLocation, useMatch, useNavigate, useNavigation } from 'react-router';
import { zonesQuery } from '../features/zones/api/zones.queries';
import { readLastZoneId, storeLastZoneId } from './last-zone';
import { LiveInvalidation } from './live';
import { PRODUCT_NAME } from './product';
import { useSession } from './session';
import { zonePath, zoneSection } from './zone';

interface NavEntry {
  label: string;
  to: string;
  /** Exact match only (the overview, whose path prefixes the other zone pages). */
  end?: boolean;
}

function zoneEntries(zoneId: number): NavEntry[] {
  return [
    { label: 'Overview', to: zonePath(zoneId), end: true },
    { label: 'Agents', to: zonePath(zoneId, 'agents') },
    { label: 'Tasks', to: zonePath(zoneId, 'tasks') },
    { label: 'Credentials', to: zonePath(zoneId, 'credentials') },
    { label: 'API keys', to: zonePath(zoneId, 'api-keys') },
  ];
}

function NavEntryLink({ entry, onNavigate }: { entry: NavEntry; onNavigate: () => void }) {
  const isActive = useMatch({ path: entry.to, end: entry.end ?? false }) !== null;
  return (
    <NavLink
      component={Link}
      to={entry.to}
      label={entry.label}
      active={isActive}
      aria-current={isActive ? 'page' : undefined}
      onClick={onNavigate}
    />
  );
}

function NavEntries({ entries, onNavigate }: { entries: NavEntry[]; onNavigate: () => void }) {
  return entries.map((entry) => <NavEntryLink key={entry.to} entry={entry} onNavigate={onNavigate} />);
}

function ZoneSelect({ zoneId }: { zoneId: number | null }) {
  const zones = useQuery(zonesQuery());
  const navigate = useNavigate();
  const location = useLocation();
  const data = (zones.data?.items ?? []).map((zone) => ({ value: String(zone.id), label: zone.name }));
  return (
    <Select
      aria-label="Zone"
      placeholder={zones.isPending ? 'Loading zones…' : data.length ? 'Choose a zone' : 'No zones yet'}
      data={data}
      value={zoneId === null ? null : String(zoneId)}
      onChange={(value) => {
        if (!value) return;
        // Stay on the same kind of page (tasks → tasks) in the other zone.
        void navigate(zonePath(Number(value), zoneSection(location.pathname)));
      }}
      allowDeselect={false}
      searchable={data.length > 8}
      w={{ base: 140, sm: 220 }}
      comboboxProps={{ withinPortal: true }}
      error={zones.isError ? 'Zones could not be loaded' : undefined}
    />
  );
}

function UserMenu() {
  const { user, signOut } = useSession();
  return (
    <Menu position="bottom-end" withArrow>
      <Menu.Target>
        <UnstyledButton aria-label={`Signed in as ${user.username}`}>
          <Group gap="xs" wrap="nowrap">
            <Avatar size="sm" radius="xl" color="indigo">
              {user.username.slice(0, 2).toUpperCase()}
            </Avatar>
            <Text size="sm" visibleFrom="sm">
              {user.username}
            </Text>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {user.username} · {user.role}
        </Menu.Label>
        <Menu.Item component={Link} to="/settings">
          Settings
        </Menu.Item>
        <Menu.Item color="red" onClick={signOut}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** The signed-in frame: header (name, zone, user), navigation, and the page. */
export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const { isAdmin } = useSession();
  const navigation = useNavigation();
  const match = useMatch('/zones/:zoneId/*');
  const zones = useQuery(zonesQuery());
  const urlZoneId = match?.params.zoneId ? Number(match.params.zoneId) : null;
  const zoneInUrl = urlZoneId !== null && Number.isSafeInteger(urlZoneId) ? urlZoneId : null;

  useEffect(() => {
    if (zoneInUrl !== null) storeLastZoneId(zoneInUrl);
  }, [zoneInUrl]);

  // Outside a zone page, the zone entries lead to the last zone seen (if it still exists) or the first.
  const known = zones.data?.items ?? [];
  const lastZoneId = readLastZoneId();
  const navZoneId =
    zoneInUrl ??
    (lastZoneId !== null && known.some((zone) => zone.id === lastZoneId)
      ? lastZoneId
      : (known[0]?.id ?? null));

  const general: NavEntry[] = [
    { label: 'Webhooks', to: '/webhooks' },
    { label: 'Zones', to: '/zones', end: true },
    ...(isAdmin ? [{ label: 'Users', to: '/users' }] : []),
    { label: 'Settings', to: '/settings' },
  ];

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Text
              component={Link}
              to="/zones"
              fw={700}
              size="lg"
              style={{ textDecoration: 'none', color: 'inherit' }}
            >
              {PRODUCT_NAME}
            </Text>
            {navigation.state === 'loading' ? <Loader size="xs" aria-label="Loading page" /> : null}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <ZoneSelect zoneId={zoneInUrl} />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          {navZoneId !== null ? (
            <>
              <Text size="xs" c="dimmed" fw={600} tt="uppercase" px="sm" pt="xs" pb={4}>
                Zone {known.find((zone) => zone.id === navZoneId)?.name ?? ''}
              </Text>
              <NavEntries entries={zoneEntries(navZoneId)} onNavigate={close} />
            </>
          ) : null}
          <Text size="xs" c="dimmed" fw={600} tt="uppercase" px="sm" pt="md" pb={4}>
            Manager
          </Text>
          <NavEntries entries={general} onNavigate={close} />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <LiveInvalidation {...(zoneInUrl !== null ? { zoneId: zoneInUrl } : {})}>
          <Outlet />
        </LiveInvalidation>
      </AppShell.Main>
    </AppShell>
  );
}
