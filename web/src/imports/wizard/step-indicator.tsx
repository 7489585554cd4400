import { Box, Group, Text, ThemeIcon } from '@mantine/core';
import { STEP_LABELS, STEPS, type WizardStep } from './steps';

/**
 * Where the user is in the wizard: a list, not buttons (the steps follow the import's state, they are not
 * places to jump to), with the current one marked for screen readers.
 */
export function StepIndicator({ current }: { current: WizardStep }) {
  const index = STEPS.indexOf(current);
  return (
    <Box
      component="ol"
      aria-label="Import steps"
      style={{ display: 'flex', gap: 8, padding: 0, margin: 0, listStyle: 'none' }}
    >
      {STEPS.map((step, i) => {
        const state = i < index ? 'done' : i === index ? 'current' : 'todo';
        return (
          <Box component="li" key={step} aria-current={state === 'current' ? 'step' : undefined} style={{ flex: 1 }}>
            <Group gap={8} wrap="nowrap">
              <ThemeIcon
                radius="xl"
                size={26}
                color={state === 'todo' ? 'gray.5' : 'blue.8'}
                variant={state === 'current' ? 'filled' : state === 'done' ? 'light' : 'outline'}
                aria-hidden
              >
                <Text size="xs" fw={700}>
                  {state === 'done' ? '✓' : i + 1}
                </Text>
              </ThemeIcon>
              <Text size="sm" fw={state === 'current' ? 700 : 500} c={state === 'todo' ? 'gray.7' : undefined}>
                {STEP_LABELS[step]}
              </Text>
            </Group>
            <Box mt={6} h={3} bg={state === 'todo' ? 'gray.3' : 'blue.7'} style={{ borderRadius: 2 }} />
          </Box>
        );
      })}
    </Box>
  );
}
