import { ActionIcon, Button, Group, NativeSelect, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { OPERATORS } from '../../../src/core/rules';
import type { z } from 'zod';
import type { ruleSchema, ruleSetSchema } from '../../../src/flows/flow.schema';
import { formatRuleValue, parseRuleValue, UNARY_OPERATORS } from './definition';

type RuleSet = z.input<typeof ruleSetSchema>;
type Rule = z.input<typeof ruleSchema>;
type Member = Rule | { all: Rule[] } | { any: Rule[] };

interface RuleBuilderProps {
  readonly value: RuleSet | undefined;
  readonly fields: readonly string[];
  readonly onChange: (value: RuleSet | undefined) => void;
}

const isRule = (member: Member): member is Rule => 'op' in member;

/**
 * Acceptance criteria as a rule builder: all or any of rules (field, operator, value), with every operator
 * the pipeline has. Nested rule sets (one level, from a flow file) are kept as they are and shown as such;
 * edit them in the JSON.
 */
export function RuleBuilder({ value, fields, onChange }: RuleBuilderProps) {
  const mode: 'all' | 'any' = value && 'any' in value ? 'any' : 'all';
  const members: Member[] = value ? ('any' in value ? value.any : value.all) : [];
  const set = (next: Member[], nextMode = mode) =>
    onChange(next.length === 0 ? undefined : nextMode === 'all' ? { all: next } : { any: next });
  const update = (index: number, rule: Rule) => set(members.map((member, i) => (i === index ? rule : member)));

  return (
    <Stack gap="xs">
      <Group gap="sm">
        <Text size="sm">A lead is accepted when it meets</Text>
        <SegmentedControl
          size="xs"
          aria-label="Which rules must pass"
          value={mode}
          onChange={(next) => set(members, next as 'all' | 'any')}
          data={[
            { value: 'all', label: 'all rules' },
            { value: 'any', label: 'any rule' },
          ]}
        />
      </Group>
      {members.map((member, index) =>
        isRule(member) ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: rules have no id; their place is their identity.
          <Group key={index} gap="xs" wrap="nowrap" align="end">
            <NativeSelect
              aria-label={`Rule ${index + 1} field`}
              value={member.field}
              data={[...new Set([member.field, ...fields])]}
              onChange={(event) => update(index, { ...member, field: event.currentTarget.value })}
              w={180}
            />
            <NativeSelect
              aria-label={`Rule ${index + 1} operator`}
              value={member.op}
              data={[...OPERATORS]}
              onChange={(event) => {
                const op = event.currentTarget.value as Rule['op'];
                const next: Rule = { field: member.field, op };
                if (!UNARY_OPERATORS.includes(op)) next.value = parseRuleValue(op, formatRuleValue(member.value));
                update(index, next);
              }}
              w={220}
            />
            {!UNARY_OPERATORS.includes(member.op) && (
              <TextInput
                aria-label={`Rule ${index + 1} value`}
                placeholder={member.op.includes('included') || member.op === 'is between' ? 'a, b, c' : 'value'}
                defaultValue={formatRuleValue(member.value)}
                onBlur={(event) =>
                  update(index, { ...member, value: parseRuleValue(member.op, event.currentTarget.value) })
                }
                style={{ flex: 1 }}
              />
            )}
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              aria-label={`Remove rule ${index + 1}`}
              onClick={() => set(members.filter((_, i) => i !== index))}
            >
              ×
            </ActionIcon>
          </Group>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: as above.
          <Text key={index} size="sm" c="gray.7">
            A nested set of {'all' in member ? `all of ${member.all.length}` : `any of ${member.any.length}`} rules
            (edit it in the JSON)
          </Text>
        ),
      )}
      <Group>
        <Button
          size="xs"
          variant="light"
          onClick={() => set([...members, { field: fields[0] ?? 'email', op: 'is not blank' }])}
        >
          Add rule
        </Button>
      </Group>
    </Stack>
  );
}
