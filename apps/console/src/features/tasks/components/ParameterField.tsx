import { Badge, Code, Group, Stack, Text, Textarea, Title, UnstyledButton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import { credentialKeysQuery } from '../api/tasks.queries';

interface ParameterFieldProps {
  zoneId: number;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}

function jsonProblem(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return null;
  try {
    JSON.parse(trimmed);
    return null;
  } catch (error) {
    return error instanceof Error ? `Not valid JSON: ${error.message}` : 'Not valid JSON';
  }
}

/** The task parameter, with the zone's credential keys to insert as `{{KEY}}` placeholders. */
export function ParameterField({ zoneId, value, error, onChange }: ParameterFieldProps) {
  const keys = useQuery(credentialKeysQuery(zoneId));
  const hint = jsonProblem(value);
  const input = useRef<HTMLTextAreaElement>(null);

  /** Puts `{{KEY}}` where the cursor is (or at the end), and the cursor after it. */
  const insert = (key: string) => {
    const placeholder = `{{${key}}}`;
    const element = input.current;
    const start = element?.selectionStart ?? value.length;
    const end = element?.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + placeholder + value.slice(end));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + placeholder.length, start + placeholder.length);
    });
  };

  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Parameter
      </Title>
      <Textarea
        ref={input}
        label="Parameter (JSON or text)"
        description={
          <>
            Steps read it as <Code>$TASK_ORIGIN_PARAM</Code>. Write <Code>{'{{KEY}}'}</Code> where a zone
            credential should go; the agent fills it in, and the value is never stored with the task.
          </>
        }
        autosize
        minRows={3}
        maxRows={14}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
        error={error ?? hint ?? undefined}
      />
      {keys.data && keys.data.length > 0 ? (
        <Group gap={6} aria-label="Credential keys of this zone">
          <Text size="sm" c="dimmed">
            Credentials (click to insert at the cursor):
          </Text>
          {keys.data.map((key) => (
            <UnstyledButton
              key={key}
              onClick={() => insert(key)}
              aria-label={`Insert placeholder for ${key}`}
            >
              <Badge styles={{ label: { overflow: 'visible' } }} variant="outline" tt="none">
                {`{{${key}}}`}
              </Badge>
            </UnstyledButton>
          ))}
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          This zone has no credentials yet.
        </Text>
      )}
    </Stack>
  );
}
