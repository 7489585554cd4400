import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

interface Policy {
  /** Failures allowed in the window. */
  readonly points: number;
  readonly windowSeconds: number;
  /** How long the key then waits (0: until the window ends). */
  readonly blockSeconds: number;
}

// One address guessing one account's password: 5 tries, then that pair waits 15 minutes.
const PAIR: Policy = { points: 5, windowSeconds: 15 * 60, blockSeconds: 15 * 60 };
// One account from any number of addresses: 20 failures a minute, then sign-ins to it wait out the minute.
// Short on purpose: an attacker can slow a real admin's sign-in down, not lock them out for long.
const ACCOUNT: Policy = { points: 20, windowSeconds: 60, blockSeconds: 0 };
// One address, any credentials (passwords, API keys, session tokens): N failures a minute, then 5 minutes.
const addressPolicy = (perMinute: number): Policy => ({ points: perMinute, windowSeconds: 60, blockSeconds: 5 * 60 });

class Limit {
  readonly #limiter: RateLimiterMemory;
  constructor(
    readonly policy: Policy,
    prefix: string,
  ) {
    this.#limiter = new RateLimiterMemory({ keyPrefix: prefix, points: policy.points, duration: policy.windowSeconds });
  }

  async exhausted(key: string): Promise<RateLimiterRes | null> {
    const state = await this.#limiter.get(key);
    return state && state.consumedPoints >= this.policy.points ? state : null;
  }

  async fail(key: string): Promise<void> {
    const state = await this.#limiter.penalty(key, 1);
    if (state.consumedPoints >= this.policy.points && this.policy.blockSeconds > 0)
      await this.#limiter.block(key, this.policy.blockSeconds);
  }

  async forget(key: string): Promise<void> {
    await this.#limiter.delete(key);
  }
}

/**
 * Throttles failed authentication per address, per account, and per address and account together, in this
 * process's memory (each server of a scaled-out deployment counts its own: the budget grows with the
 * servers, still far below a useful guessing rate). A successful sign-in clears its pair's count.
 */
export class AuthThrottle {
  readonly #pair = new Limit(PAIR, 'pair');
  readonly #account = new Limit(ACCOUNT, 'account');
  readonly #address: Limit;

  constructor(failuresPerAddressPerMinute: number) {
    this.#address = new Limit(addressPolicy(failuresPerAddressPerMinute), 'address');
  }

  /** Throws rate_limited, with the seconds to wait, when this address (or address and account) must wait. */
  async assertAllowed(address: string, account?: string): Promise<void> {
    for (const [limit, key] of this.#keys(address, account)) {
      const state = await limit.exhausted(key);
      if (state) throw tooManyFailures(state);
    }
  }

  /** Counts a failed sign-in (with its account) or a request with a bad key or token. */
  async recordFailure(address: string, account?: string): Promise<void> {
    for (const [limit, key] of this.#keys(address, account)) await limit.fail(key);
  }

  /** A successful sign-in: the address's failures for that account are forgotten. */
  async recordSuccess(address: string, account: string): Promise<void> {
    await this.#pair.forget(pairKey(address, account));
  }

  #keys(address: string, account: string | undefined): [Limit, string][] {
    const keys: [Limit, string][] = [[this.#address, address]];
    if (account !== undefined)
      keys.push([this.#pair, pairKey(address, account)], [this.#account, normalisedAccount(account)]);
    return keys;
  }
}

function normalisedAccount(account: string): string {
  return account.trim().toLowerCase();
}

function pairKey(address: string, account: string): string {
  return `${normalisedAccount(account)}\u0000${address}`;
}

function tooManyFailures(state: RateLimiterRes): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  return new AppError(
    'rate_limited',
    `too many failed sign-ins or invalid credentials from here; retry after ${retryAfterSeconds} s`,
    { retryAfterSeconds },
  );
}
