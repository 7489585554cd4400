import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { formatBytes } from '../ingest/open-file.js';

/** The size of a stored chunk: big enough for few rows per file, small enough for any driver's parameters. */
export const CHUNK_BYTES = 1024 * 1024;

// How many chunks a read fetches at once: a few MB in memory whatever the file's size.
const CHUNKS_PER_READ = 4;

/** An upload over the size limit, in the error shape (the multipart limit and the store's own check alike). */
export function uploadTooLarge(maxBytes: number): AppError {
  return new AppError(
    'file_too_large',
    `the file is larger than the upload limit of ${formatBytes(maxBytes)} (LEADPORT_MAX_UPLOAD_MB); import larger files with the CLI`,
    { maxBytes },
  );
}

/**
 * Stores an uploaded file in the database in CHUNK_BYTES chunks, each written as soon as it fills (the file
 * is never held in memory), with its SHA-256 worked out on the way. Over `maxBytes`, or when the source
 * fails, the chunks written so far are deleted: file_too_large (413) for the first, the source's error for
 * the second.
 */
export async function storeImportFile(
  db: Kysely<DB>,
  importId: string,
  source: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let size = 0;
  let chunk = 0;
  const flush = async (bytes: number) => {
    const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    const data = all.subarray(0, bytes);
    await db.insertInto('import_files').values({ import_id: importId, chunk, data }).execute();
    chunk++;
    const rest = all.subarray(bytes);
    // A copy: the rest would otherwise keep the whole concatenated buffer alive.
    pending = rest.length > 0 ? [Buffer.from(rest)] : [];
    pendingBytes = rest.length;
  };
  try {
    for await (const piece of source) {
      size += piece.length;
      if (size > maxBytes) throw uploadTooLarge(maxBytes);
      hash.update(piece);
      pending.push(piece);
      pendingBytes += piece.length;
      while (pendingBytes >= CHUNK_BYTES) await flush(CHUNK_BYTES);
    }
    if (pendingBytes > 0) await flush(pendingBytes);
  } catch (error) {
    await deleteImportFile(db, importId);
    throw error;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Writes an import's stored file, chunk by chunk in order, to a new file under `directory` named after
 * `fileName` (its base name only), and returns its path. The caller deletes it.
 */
export async function materializeImportFile(
  db: Kysely<DB>,
  importId: string,
  directory: string,
  fileName: string,
): Promise<string> {
  const target = path.join(directory, safeFileName(fileName));
  // wx: a new file, never one that is there already (or a link planted in its place).
  const out = await fs.promises.open(target, 'wx');
  try {
    let next = 0;
    for (;;) {
      const rows = await db
        .selectFrom('import_files')
        .select(['chunk', 'data'])
        .where('import_id', '=', importId)
        .where('chunk', '>=', next)
        .orderBy('chunk')
        .limit(CHUNKS_PER_READ)
        .execute();
      for (const row of rows) {
        // A gap would silently drop part of the file: refuse instead.
        if (row.chunk !== next)
          throw new AppError('file_unreadable', `the stored file of import ${importId} is incomplete`);
        await out.write(row.data);
        next++;
      }
      if (rows.length < CHUNKS_PER_READ) break;
    }
  } catch (error) {
    await out.close();
    await fs.promises.rm(target, { force: true });
    throw error;
  }
  await out.close();
  return target;
}

/** Deletes an import's stored file (every chunk). */
export async function deleteImportFile(db: Kysely<DB>, importId: string): Promise<void> {
  await db.deleteFrom('import_files').where('import_id', '=', importId).execute();
}

// An upload's name comes from the client: keep its base name, without characters file systems refuse, so
// it keeps its extension (which the reader checks) and cannot point outside the directory.
function safeFileName(fileName: string): string {
  const base = path.basename(fileName.replaceAll('\\', '/')).replace(/[\u0000-\u001f<>:"/\\|?*]/g, '_');
  return base === '' || base === '.' || base === '..' ? 'upload' : base.slice(-200);
}
