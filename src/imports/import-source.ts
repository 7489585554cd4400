import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { materializeImportFile } from './import-files.js';
import type { ImportRow } from './import.repository.js';

/** The file an import reads, and how to let it go. */
export interface ImportSource {
  readonly file: string;
  readonly release: () => void;
}

type SourceRow = Pick<ImportRow, 'id' | 'file_name' | 'file_path' | 'file_stored' | 'file_deleted_at'>;

/**
 * The import's file as a path any reader can open: a CLI import's local file in place, an upload copied
 * out of the database into a temporary folder that `release` removes.
 */
export async function openImportSource(
  db: Kysely<DB>,
  row: SourceRow,
  folderPrefix = 'leadport-import-',
): Promise<ImportSource> {
  if (row.file_path) {
    if (!fs.existsSync(row.file_path))
      throw new AppError('file_unreadable', `${row.file_name}: the file ${row.file_path} is no longer there`);
    return { file: row.file_path, release: () => {} };
  }
  if (!row.file_stored || row.file_deleted_at)
    throw new AppError('file_unreadable', `${row.file_name}: the uploaded file is no longer kept`);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), folderPrefix));
  try {
    const file = await materializeImportFile(db, row.id, directory, row.file_name);
    return { file, release: () => fs.rmSync(directory, { recursive: true, force: true }) };
  } catch (error) {
    fs.rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Runs `read` on the import's file (openImportSource) and lets the file go afterwards. */
export async function withImportSource<T>(
  db: Kysely<DB>,
  row: SourceRow,
  read: (file: string) => Promise<T>,
  folderPrefix?: string,
): Promise<T> {
  const source = await openImportSource(db, row, folderPrefix);
  try {
    return await read(source.file);
  } finally {
    source.release();
  }
}
