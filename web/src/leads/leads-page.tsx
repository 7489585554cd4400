import { Anchor, Badge, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { Link } from 'react-router';
import type { LeadSummary } from '../../../src/leads/lead.schema';
import { errorMessage } from '../api/client';
import { type LeadFilters, useFlows, useLeads, useSession, useSources } from '../api/hooks';
import { DataTable } from '../ui/data-table';
import { formatShortTime, plural } from '../ui/format';
import { ErrorNotice } from '../ui/error-notice';
import { LeadDrawer } from './lead-drawer';

const OUTCOME_COLORS: Record<string, string> = { success: 'green', failure: 'orange', error: 'red' };
const column = createColumnHelper<LeadSummary>();

function fieldOf(lead: LeadSummary, ...names: string[]): string {
  const values = names.map((name) => lead.fields?.[name]).filter((value) => value !== null && value !== undefined);
  return values.join(' ');
}

// A day picked in a date input is local midnight; the API takes ISO instants.
function dayStart(day: string): string | undefined {
  return day ? new Date(`${day}T00:00:00`).toISOString() : undefined;
}
function dayEnd(day: string): string | undefined {
  return day ? new Date(new Date(`${day}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined;
}

/** The home page: every submission newest first, searchable and filterable, paged by cursor, polled. */
export function LeadsPage() {
  const session = useSession();
  const isAdmin = session.data?.kind === 'admin';
  const flows = useFlows(isAdmin);
  const sources = useSources();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [flowId, setFlowId] = useState<string | null>(null);
  const [sourceId, setSourceId] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // The cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([]);
  const [before, setBefore] = useState<string | undefined>(undefined);
  const [openLead, setOpenLead] = useState<string | null>(null);

  const filters: LeadFilters = {
    q: q.length > 0 ? q : undefined,
    flowId: flowId ?? undefined,
    sourceId: sourceId ?? undefined,
    outcome: outcome ?? undefined,
    from: dayStart(from),
    to: dayEnd(to),
    before,
  };
  const leads = useLeads(filters);
  const filtered = Boolean(filters.q || filters.flowId || filters.sourceId || filters.outcome || from || to);
  const resetPaging = () => {
    setCursors([]);
    setBefore(undefined);
  };

  const columns = [
    column.accessor('submittedAt', {
      header: 'Submitted',
      cell: (info) => (
        <Anchor component="button" type="button" size="sm" onClick={() => setOpenLead(info.row.original.id)}>
          {formatShortTime(info.getValue())}
        </Anchor>
      ),
    }),
    column.display({
      id: 'name',
      header: 'Name',
      cell: (info) => fieldOf(info.row.original, 'first_name', 'last_name') || fieldOf(info.row.original, 'full_name'),
    }),
    column.display({ id: 'email', header: 'Email', cell: (info) => fieldOf(info.row.original, 'email') }),
    column.display({ id: 'phone', header: 'Phone', cell: (info) => fieldOf(info.row.original, 'phone_1') }),
    column.accessor('outcome', {
      header: 'Outcome',
      cell: (info) => (
        <Badge color={OUTCOME_COLORS[info.getValue()] ?? 'gray'} variant="light" miw="max-content">
          {info.getValue()}
        </Badge>
      ),
    }),
    column.accessor('reason', { header: 'Reason', cell: (info) => info.getValue() ?? '' }),
    column.accessor('flowId', { header: 'Flow' }),
    column.accessor('sourceId', { header: 'Source' }),
  ];

  const flowOptions = (flows.data ?? []).map((flow) => ({ value: flow.id, label: flow.name }));
  const sourceOptions = (sources.data ?? []).map((source) => ({ value: source.id, label: source.name }));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Leads</Title>
        {/* A full page load: the wizard's Flow and Source fields never share a page with the filters above,
            even for a moment, so a label always names one control. */}
        <Button component={Link} to="/imports/new" reloadDocument size="md">
          Import
        </Button>
      </Group>
      <Group align="end" gap="sm">
        <TextInput
          label="Search"
          placeholder="Name, email, phone…"
          value={search}
          onChange={(event) => {
            setSearch(event.currentTarget.value);
            resetPaging();
          }}
          w={220}
        />
        {isAdmin && (
          <Select
            label="Flow filter"
            placeholder="All flows"
            data={flowOptions}
            value={flowId}
            onChange={(value) => {
              setFlowId(value);
              resetPaging();
            }}
            clearable
            w={150}
          />
        )}
        {isAdmin && (
          <Select
            label="Source filter"
            placeholder="All sources"
            data={sourceOptions}
            value={sourceId}
            onChange={(value) => {
              setSourceId(value);
              resetPaging();
            }}
            clearable
            w={150}
          />
        )}
        <Select
          label="Outcome"
          placeholder="Any outcome"
          data={[
            { value: 'success', label: 'Success' },
            { value: 'failure', label: 'Failure' },
            { value: 'error', label: 'Error' },
          ]}
          value={outcome}
          onChange={(value) => {
            setOutcome(value);
            resetPaging();
          }}
          clearable
          w={140}
        />
        <TextInput
          label="From"
          type="date"
          value={from}
          onChange={(event) => {
            setFrom(event.currentTarget.value);
            resetPaging();
          }}
          w={140}
        />
        <TextInput
          label="To"
          type="date"
          value={to}
          onChange={(event) => {
            setTo(event.currentTarget.value);
            resetPaging();
          }}
          w={140}
        />
      </Group>
      {leads.error && <ErrorNotice title="Could not load leads">{errorMessage(leads.error)}</ErrorNotice>}
      <DataTable
        label="Leads"
        data={leads.data?.items ?? []}
        columns={columns}
        getRowId={(lead) => lead.id}
        height="calc(100vh - 290px)"
        empty={
          leads.isPending
            ? 'Loading…'
            : filtered
              ? 'No leads match these filters.'
              : 'No leads yet. Import a file, or send a submission, and they appear here.'
        }
      />
      <Group justify="space-between">
        <Text size="sm" c="gray.7" aria-live="polite">
          {leads.data && leads.data.items.length > 0
            ? `${plural(leads.data.items.length, 'lead')} on this page${before ? '' : ' · new leads appear as they arrive'}`
            : ''}
        </Text>
        {/* Paging only where there is a page to move to: an empty first page has none. */}
        {(cursors.length > 0 || (leads.data?.items.length ?? 0) > 0) && (
          <Group gap="xs">
            <Button
              variant="default"
              disabled={cursors.length === 0}
              onClick={() => {
                setBefore(cursors.at(-1));
                setCursors(cursors.slice(0, -1));
              }}
            >
              Newer
            </Button>
            <Button
              variant="default"
              disabled={!leads.data?.next}
              onClick={() => {
                setCursors([...cursors, before]);
                setBefore(leads.data?.next ?? undefined);
              }}
            >
              Older
            </Button>
          </Group>
        )}
      </Group>
      <LeadDrawer id={openLead} onClose={() => setOpenLead(null)} />
    </Stack>
  );
}
