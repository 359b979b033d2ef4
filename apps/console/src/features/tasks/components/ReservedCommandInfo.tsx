import { Code, List, Text } from '@mantine/core';

interface Field {
  name: string;
  required: boolean;
  text: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What one JSON Schema property accepts, in a few words. */
function describeProperty(schema: unknown): string {
  if (!isRecord(schema)) return 'any value';
  const parts: string[] = [];
  if (Array.isArray(schema['enum'])) parts.push(`one of ${schema['enum'].map(String).join(', ')}`);
  else if (typeof schema['type'] === 'string') parts.push(schema['type']);
  if (typeof schema['minimum'] === 'number') parts.push(`≥ ${schema['minimum']}`);
  if (typeof schema['maximum'] === 'number') parts.push(`≤ ${schema['maximum']}`);
  if (schema['default'] !== undefined) parts.push(`default ${JSON.stringify(schema['default'])}`);
  if (typeof schema['description'] === 'string') parts.push(schema['description']);
  return parts.join(', ') || 'any value';
}

export function parameterFields(model: Record<string, unknown>): Field[] {
  const properties = isRecord(model['properties']) ? model['properties'] : {};
  const required = Array.isArray(model['required']) ? model['required'].map(String) : [];
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    required: required.includes(name),
    text: describeProperty(schema),
  }));
}

/** A reserved command's description and the task parameter it reads. */
export function ReservedCommandInfo({
  description,
  parameterModel,
}: {
  description: string;
  parameterModel: Record<string, unknown>;
}) {
  const fields = parameterFields(parameterModel);
  return (
    <div>
      <Text size="sm">{description}</Text>
      {fields.length === 0 ? (
        <Text size="sm" c="dimmed">
          Takes no parameter.
        </Text>
      ) : (
        <>
          <Text size="sm" c="dimmed" mt={4}>
            Reads the task parameter as a JSON object with:
          </Text>
          <List size="sm" spacing={2}>
            {fields.map((field) => (
              <List.Item key={field.name}>
                <Code>{field.name}</Code>
                {field.required ? ' (required)' : ''}: {field.text}
              </List.Item>
            ))}
          </List>
        </>
      )}
    </div>
  );
}
