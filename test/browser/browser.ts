import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: `.ci/run` installs it (apt-get install chromium). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser suite runs: always in CI (a missing Chromium must fail there, not pass silently), and
 * on a developer's machine when Chromium is installed.
 */
export const browserSuite = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!browserSuite)
  console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium); CI runs them always`);

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');

export const ADMIN = { email: 'admin@example.com', password: 'correct-horse-battery' };

export interface Server {
  readonly url: string;
  readonly databaseUrl: string;
  /** Runs a `leadport` CLI command against the same database; resolves with its stdout. */
  cli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`leadport ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

/** Starts a real `leadport serve` on a free port with a new SQLite file and the first admin. */
export async function startServer(): Promise<Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leadport-browser-'));
  const databaseUrl = `sqlite:${path.join(dir, 'leadport.db')}`;
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    LEADPORT_PUBLIC_URL: '',
    LEADPORT_ADMIN_EMAIL: ADMIN.email,
    LEADPORT_ADMIN_PASSWORD: ADMIN.password,
  };
  const server: ChildProcess = spawn(process.execPath, [bin, 'serve'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Leadport is listening on (http:\/\/\S+) /.exec(output);
      if (listening?.[1]) resolve(listening[1]);
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return {
    url,
    databaseUrl,
    cli: (args) => run(args, env),
    stop: async () => {
      const exited = new Promise((resolve) => server.on('exit', resolve));
      server.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile, at a 1280x720 laptop's size. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'leadport-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 720 },
    acceptDownloads: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    newPage: async () => {
      const page = await context.newPage();
      // A script error in the app fails nothing by itself: print it, so a blank page has its cause beside it.
      page.on('pageerror', (error) => console.error(`page error at ${page.url()}: ${error.stack ?? error.message}`));
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a screenshot of the 1280x720 window under test/browser/screenshots (gitignored), to look at after a
 * run, once the page's transitions have ended (a drawer half slid in shows nothing of the screen). Endless
 * animations (a loader, a running progress bar) are not waited for.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().iterations !== Number.POSITIVE_INFINITY)
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

/** Signs in as the first admin through the sign-in page. */
export async function signInAsAdmin(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Leads' }).waitFor();
}
