import { MAX_STEPS } from '@outpost/shared';
import { Alert, Button, Stack, Title } from '@mantine/core';
import { newStep, type StepDraft } from '../task-draft';
import { StepCard } from './StepCard';

interface StepsEditorProps {
  steps: StepDraft[];
  errors: Record<string, string>;
  onChange: (steps: StepDraft[]) => void;
}

/** Add, remove and reorder steps; at most one may be the recover step. */
export function StepsEditor({ steps, errors, onChange }: StepsEditorProps) {
  const replace = (index: number, step: StepDraft) => {
    // Marking a step as the recover step unmarks any other: there is at most one.
    onChange(
      steps.map((current, i) =>
        i === index ? step : step.isRecover && current.isRecover ? { ...current, isRecover: false } : current,
      ),
    );
  };
  const move = (index: number, offset: -1 | 1) => {
    const next = [...steps];
    const [moved] = next.splice(index, 1);
    if (moved) next.splice(index + offset, 0, moved);
    onChange(next);
  };

  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        Steps
      </Title>
      {errors['steps'] ? (
        <Alert color="red" role="alert">
          {errors['steps']}
        </Alert>
      ) : null}
      {steps.map((step, index) => (
        <StepCard
          key={step.key}
          index={index}
          count={steps.length}
          step={step}
          errors={errors}
          onChange={(next) => replace(index, next)}
          onMove={(offset) => move(index, offset)}
          onRemove={() => onChange(steps.filter((_, i) => i !== index))}
        />
      ))}
      <Button
        variant="light"
        onClick={() => onChange([...steps, newStep()])}
        disabled={steps.length >= MAX_STEPS}
        style={{ alignSelf: 'flex-start' }}
      >
        Add step
      </Button>
    </Stack>
  );
}
