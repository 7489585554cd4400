import type { Kysely } from 'kysely';
import type { ApiKeyTable, DB, SignInLinkTable, SourceSessionTable, UserTable } from '../db/schema.js';

export async function countUsers(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function insertUser(db: Kysely<DB>, user: UserTable): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<UserTable | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export async function findUser(db: Kysely<DB>, id: string): Promise<UserTable | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listUsers(db: Kysely<DB>): Promise<UserTable[]> {
  return db.selectFrom('users').selectAll().orderBy('email').execute();
}

export async function deleteUser(db: Kysely<DB>, id: string): Promise<number> {
  await db.deleteFrom('sessions').where('user_id', '=', id).execute();
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertSession(
  db: Kysely<DB>,
  tokenHash: string,
  userId: string,
  createdAt: string,
  expiresAt: string,
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ token_hash: tokenHash, user_id: userId, created_at: createdAt, expires_at: expiresAt })
    .execute();
}

export async function findSession(db: Kysely<DB>, tokenHash: string, now: string) {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSession(db: Kysely<DB>, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function insertApiKey(db: Kysely<DB>, key: ApiKeyTable): Promise<void> {
  await db.insertInto('api_keys').values(key).execute();
}

export async function findApiKeyByHash(db: Kysely<DB>, keyHash: string): Promise<ApiKeyTable | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function listApiKeys(db: Kysely<DB>): Promise<ApiKeyTable[]> {
  return db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
}

export async function revokeApiKey(db: Kysely<DB>, id: string, now: string): Promise<number> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertSourceSession(db: Kysely<DB>, session: SourceSessionTable): Promise<void> {
  await db.insertInto('source_sessions').values(session).execute();
}

export async function findSourceSession(
  db: Kysely<DB>,
  tokenHash: string,
  now: string,
): Promise<SourceSessionTable | undefined> {
  return db
    .selectFrom('source_sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSourceSession(db: Kysely<DB>, tokenHash: string): Promise<void> {
  await db.deleteFrom('source_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function findApiKey(db: Kysely<DB>, id: string): Promise<ApiKeyTable | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function insertSignInLink(db: Kysely<DB>, link: SignInLinkTable): Promise<void> {
  await db.insertInto('sign_in_links').values(link).execute();
}

/** Marks an unused, unexpired link used and returns its source; one UPDATE, so two tabs cannot both use it. */
export async function consumeSignInLink(db: Kysely<DB>, tokenHash: string, now: string): Promise<string | null> {
  const result = await db
    .updateTable('sign_in_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return null;
  const link = await db
    .selectFrom('sign_in_links')
    .select('source_id')
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return link?.source_id ?? null;
}
