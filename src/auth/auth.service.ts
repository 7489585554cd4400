import type { Config } from '../config.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation, type Store } from '../db/database.js';
import type { ApiKeyTable, UserTable } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { ApiKeyCreate, ApiKeyView, UserView } from './auth.schema.js';
import {
  countUsers,
  deleteSession,
  deleteUser,
  findApiKeyByHash,
  findSession,
  findUser,
  findUserByEmail,
  insertApiKey,
  insertSession,
  insertUser,
  listApiKeys,
  listUsers,
  revokeApiKey,
} from './auth.repository.js';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './secrets.js';
import type { AuthThrottle } from './throttle.js';

/** Who is calling: an admin (by session or admin key) or one source (by its key). */
export type Principal = { kind: 'admin'; userId: string | null; keyId: string | null } | { kind: 'source'; sourceId: string; keyId: string };

const SESSION_DAYS = 7;
const API_KEY_PREFIX = 'lp_';
const SESSION_PREFIX = 'lps_';

function userView(user: UserTable): UserView {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.created_at };
}

function keyView(key: ApiKeyTable): ApiKeyView {
  return { id: key.id, kind: key.kind as 'admin' | 'source', sourceId: key.source_id, name: key.name, prefix: key.prefix, createdAt: key.created_at, revokedAt: key.revoked_at };
}

/** Creates an admin user; the email must be new. */
export async function createUser(store: Store, email: string, password: string): Promise<UserView> {
  const normalised = email.trim().toLowerCase();
  if (await findUserByEmail(store.db, normalised)) throw new AppError('conflict', `a user with email ${normalised} exists`, { field: 'email' });
  const user: UserTable = { id: newId(), email: normalised, password_hash: await hashPassword(password), role: 'admin', created_at: new Date().toISOString() };
  try {
    await insertUser(store.db, user);
  } catch (error) {
    // Two requests for the same new email at once: the unique index decides, the loser is a conflict.
    if (isUniqueViolation(error)) throw new AppError('conflict', `a user with email ${normalised} exists`, { field: 'email' });
    throw error;
  }
  return userView(user);
}

/** Creates the first admin from LEADPORT_ADMIN_EMAIL/PASSWORD when there are no users yet. */
export async function ensureFirstAdmin(store: Store, config: Config): Promise<UserView | null> {
  if (!config.adminEmail || !config.adminPassword) return null;
  if ((await countUsers(store.db)) > 0) return null;
  return createUser(store, config.adminEmail, config.adminPassword);
}

export async function listUserViews(store: Store): Promise<UserView[]> {
  return (await listUsers(store.db)).map(userView);
}

export async function removeUser(store: Store, id: string): Promise<void> {
  if ((await deleteUser(store.db, id)) === 0) throw new AppError('not_found', `no user with id "${id}"`);
}

/** Checks an email and password and opens a session; the token is returned once. */
export async function login(store: Store, email: string, password: string): Promise<{ token: string; expiresAt: string }> {
  const user = await findUserByEmail(store.db, email.trim());
  // Verify against a dummy hash when the user is unknown, so timing does not tell which emails exist.
  const ok = await verifyPassword(password, user?.password_hash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA');
  if (!user || !ok) throw new AppError('unauthorized', 'wrong email or password');
  const token = newSecret(SESSION_PREFIX);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000).toISOString();
  await insertSession(store.db, hashSecret(token), user.id, now.toISOString(), expiresAt);
  return { token, expiresAt };
}

/**
 * Sign-in as the HTTP API offers it: refused with rate_limited while this address (or this address and
 * account) has failed too often, counted when it fails.
 */
export async function signIn(store: Store, throttle: AuthThrottle, address: string, email: string, password: string): Promise<{ token: string; expiresAt: string }> {
  await throttle.assertAllowed(address, email);
  try {
    const session = await login(store, email, password);
    await throttle.recordSuccess(address, email);
    return session;
  } catch (error) {
    if (isAppError(error) && error.code === 'unauthorized') await throttle.recordFailure(address, email);
    throw error;
  }
}

export async function logout(store: Store, token: string): Promise<void> {
  await deleteSession(store.db, hashSecret(token));
}

/** Creates an API key (admin, or for one source) and returns it with its secret, shown this once. */
export async function createApiKey(store: Store, request: ApiKeyCreate): Promise<ApiKeyView & { key: string }> {
  if (request.kind === 'source') {
    const source = await store.db.selectFrom('sources').select('id').where('id', '=', request.sourceId).executeTakeFirst();
    if (!source) throw new AppError('source_not_found', `unknown source "${request.sourceId}"`, { sourceId: request.sourceId });
  }
  const key = newSecret(API_KEY_PREFIX);
  const row: ApiKeyTable = {
    id: newId(),
    key_hash: hashSecret(key),
    prefix: key.slice(0, API_KEY_PREFIX.length + 6),
    kind: request.kind,
    source_id: request.kind === 'source' ? request.sourceId : null,
    name: request.name ?? (request.kind === 'source' ? `${request.sourceId} key` : 'admin key'),
    created_at: new Date().toISOString(),
    revoked_at: null,
  };
  await insertApiKey(store.db, row);
  return { ...keyView(row), key };
}

export async function listApiKeyViews(store: Store): Promise<ApiKeyView[]> {
  return (await listApiKeys(store.db)).map(keyView);
}

export async function revokeKey(store: Store, id: string): Promise<void> {
  if ((await revokeApiKey(store.db, id, new Date().toISOString())) === 0) throw new AppError('not_found', `no active API key with id "${id}"`);
}

/** Resolves a bearer token (API key or session token) to a principal, or throws unauthorized. */
export async function authenticate(store: Store, token: string): Promise<Principal> {
  const hash = hashSecret(token);
  if (token.startsWith(SESSION_PREFIX)) {
    const session = await findSession(store.db, hash, new Date().toISOString());
    if (session && (await findUser(store.db, session.user_id))) return { kind: 'admin', userId: session.user_id, keyId: null };
  } else if (token.startsWith(API_KEY_PREFIX)) {
    const key = await findApiKeyByHash(store.db, hash);
    if (key?.kind === 'admin') return { kind: 'admin', userId: null, keyId: key.id };
    if (key?.kind === 'source' && key.source_id) return { kind: 'source', sourceId: key.source_id, keyId: key.id };
  }
  throw new AppError('unauthorized', 'the API key or session is not valid');
}
