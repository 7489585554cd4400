import { Paper, SimpleGrid, Text } from '@mantine/core';
import { formatCount } from './format';

/** A row of labelled figures; each is a term and its value for screen readers. */
export function Stats({
  items,
  cols,
}: {
  /** `note`: a line under the value that qualifies it ("4 unchanged"). */
  items: readonly { label: string; value: number | string; color?: string; note?: string | undefined }[];
  /** Figures a row; all of them in one row by default. */
  cols?: number;
}) {
  return (
    <SimpleGrid cols={cols ?? { base: 3, md: items.length }} spacing="sm" component="dl" m={0}>
      {items.map((item) => (
        <Paper key={item.label} withBorder p="sm">
          <Text component="dt" size="xs" tt="uppercase" fw={700} c="gray.7">
            {item.label}
          </Text>
          <Text component="dd" m={0} size="xl" fw={700} c={item.color}>
            {typeof item.value === 'number' ? formatCount(item.value) : item.value}
          </Text>
          {item.note && (
            <Text size="xs" c="gray.7">
              {item.note}
            </Text>
          )}
        </Paper>
      ))}
    </SimpleGrid>
  );
}
