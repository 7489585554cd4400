import { Box, Table, Text } from '@mantine/core';
import {
  type ColumnDef,
  type ColumnMeta,
  flexRender,
  getCoreRowModel,
  type RowData,
  useReactTable,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useRef } from 'react';

interface DataTableProps<T> {
  readonly data: readonly T[];
  // biome-ignore lint/suspicious/noExplicitAny: TanStack's column helpers type each column's value differently.
  readonly columns: ColumnDef<T, any>[];
  /** The table's accessible name. */
  readonly label: string;
  readonly getRowId: (row: T) => string;
  /** The scrolling area's height: rows beyond it are not rendered until scrolled to. */
  readonly height?: number | string;
  readonly empty?: ReactNode;
}

declare module '@tanstack/react-table' {
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Figures align right, so their digits line up. */
    numeric?: boolean;
    /** A long value (a file name, an e-mail) is cut with an ellipsis at this width; its title shows it whole. */
    maxWidth?: number;
  }
}

const ROW_HEIGHT = 41;

// biome-ignore lint/suspicious/noExplicitAny: any column's meta.
function cellStyle(meta: ColumnMeta<any, any> | undefined) {
  return { whiteSpace: 'nowrap' as const, textAlign: meta?.numeric ? ('right' as const) : undefined };
}

// A cell's content cut at the column's width (a table cell itself grows with its content whatever its style).
function Clipped({ width, title, children }: { width: number | undefined; title: unknown; children: ReactNode }) {
  if (!width) return children;
  return (
    <div
      title={typeof title === 'string' ? title : undefined}
      style={{ maxWidth: width, overflow: 'hidden', textOverflow: 'ellipsis' }}
    >
      {children}
    </div>
  );
}

/**
 * A table of any length in constant DOM: TanStack Table for the columns, TanStack Virtual for the rows, with
 * a sticky header and spacer rows above and below the ones in view (keeps the table semantics for screen
 * readers, which a grid of divs would lose).
 */
export function DataTable<T>({ data, columns, label, getRowId, height = 520, empty }: DataTableProps<T>) {
  const table = useReactTable({ data: data as T[], columns, getCoreRowModel: getCoreRowModel(), getRowId });
  const scroller = useRef<HTMLDivElement>(null);
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const span = columns.length;

  return (
    <Box
      ref={scroller}
      mah={height}
      style={{ overflow: 'auto', border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }}
      // Scrollable regions must be reachable by keyboard.
      tabIndex={0}
      role="region"
      aria-label={label}
    >
      <Table stickyHeader highlightOnHover verticalSpacing={8} horizontalSpacing={8} aria-label={label}>
        <Table.Thead>
          {table.getHeaderGroups().map((group) => (
            <Table.Tr key={group.id}>
              {group.headers.map((header) => (
                <Table.Th key={header.id} style={cellStyle(header.column.columnDef.meta)}>
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </Table.Th>
              ))}
            </Table.Tr>
          ))}
        </Table.Thead>
        <Table.Tbody>
          {rows.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={span}>
                <Text c="gray.7" ta="center" py="lg">
                  {empty ?? 'Nothing here yet.'}
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
          {before > 0 && (
            <tr aria-hidden>
              <td colSpan={span} style={{ height: before, padding: 0 }} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <Table.Tr key={row.id} data-index={item.index} style={{ height: ROW_HEIGHT }}>
                {row.getVisibleCells().map((cell) => {
                  const meta = cell.column.columnDef.meta;
                  return (
                    <Table.Td key={cell.id} style={cellStyle(meta)}>
                      <Clipped width={meta?.maxWidth} title={cell.getValue()}>
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </Clipped>
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            );
          })}
          {after > 0 && (
            <tr aria-hidden>
              <td colSpan={span} style={{ height: after, padding: 0 }} />
            </tr>
          )}
        </Table.Tbody>
      </Table>
    </Box>
  );
}
