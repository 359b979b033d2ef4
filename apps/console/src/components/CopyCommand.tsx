import { ActionIcon, Code, CopyButton, Group, Tooltip } from '@mantine/core';

/** A command or secret to paste elsewhere, with a copy button that says when it copied. */
export function CopyCommand({ command, label = 'Copy' }: { command: string; label?: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Code
        block
        style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
        data-testid="copy-command"
      >
        {command}
      </Code>
      <CopyButton value={command} timeout={2000}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : label} withArrow position="left">
            <ActionIcon
              variant={copied ? 'filled' : 'light'}
              color={copied ? 'teal' : 'gray'}
              onClick={copy}
              aria-label={copied ? 'Copied' : label}
              size="lg"
            >
              {copied ? '✓' : '⧉'}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
