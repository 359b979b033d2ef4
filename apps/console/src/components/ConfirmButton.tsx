import { Button, type ButtonProps, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type ReactNode, useState } from 'react';
import { ProblemAlert } from './ProblemAlert';

export interface ConfirmButtonProps extends Omit<ButtonProps, 'onClick' | 'children'> {
  /** The button's text, e.g. "Delete". */
  children: ReactNode;
  /** The modal's title, e.g. "Delete zone prod?". */
  title: string;
  /** What happens, in words (what goes with it, what cannot be undone). */
  message: ReactNode;
  /** The confirming button's text; defaults to the button's. */
  confirmLabel?: string;
  /** Runs on confirmation; the modal closes when it resolves and shows the error when it rejects. */
  onConfirm: () => Promise<unknown> | void;
  /** Called when the modal opens, e.g. to load counts shown in `message`. */
  onOpen?: () => void;
}

/** A button that asks first. The refusal of the manager (e.g. 409) stays in the modal, in words. */
export function ConfirmButton({
  children,
  title,
  message,
  confirmLabel,
  onConfirm,
  onOpen,
  color = 'red',
  ...buttonProps
}: ConfirmButtonProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      close();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        color={color}
        {...buttonProps}
        onClick={() => {
          setError(null);
          onOpen?.();
          open();
        }}
      >
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          {typeof message === 'string' ? <Text size="sm">{message}</Text> : message}
          <ProblemAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button color={color} loading={busy} onClick={() => void confirm()}>
              {confirmLabel ?? children}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
