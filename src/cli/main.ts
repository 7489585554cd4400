import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { forLocalFiles, loadConfig, type Config } from '../config.js';
import { migrate, openStore, type Store } from '../db/database.js';
import { describeJsonError } from '../core/json-errors.js';
import { AppError, isAppError } from '../errors.js';
import { applyFlow, listFlowSummaries } from '../flows/flow.service.js';
import { failedRecordsOf, getImportView, importView, listImportViews } from '../imports/import-query.service.js';
import { cancelImport } from '../imports/import-job.service.js';
import { executeRevert, requestRevert } from '../imports/revert.service.js';
import { createJobRunner } from '../jobs/create-job-runner.js';
import {
  ImportInterrupted,
  resumeImport,
  runImport,
  type ImportProgress,
  type ImportSummary,
} from '../imports/import.service.js';
import { rowReport } from '../imports/row-report.service.js';
import { exportLeadsCsv, exportLeadsJsonLines } from '../leads/lead-export.js';
import { previewFile } from '../imports/preview.service.js';
import { planMapping } from '../imports/column-mapping.js';
import { openForFlow } from '../imports/sheet-choice.js';
import { requireFlow } from '../flows/flow.service.js';
import { createApiKey, listApiKeyViews, OPERATOR, revokeKey } from '../auth/auth.service.js';
import { listTemplateViews, saveTemplate } from '../templates/template.service.js';
import {
  parseMapOption,
  printable,
  printableJson,
  printableMessage,
  printImportSummary,
  printPreview,
  progressReporter,
  shown,
} from './output.js';

/** Runs one CLI command against the configured store, closing it afterwards. */
async function withStore<T>(run: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore(config);
  try {
    return await run(store, config);
  } finally {
    await store.close();
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${printableJson(value)}\n`);
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError(
      'file_unreadable',
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(
      'invalid_flow_definition',
      `${file}: not valid JSON, ${describeJsonError(text) ?? (error as Error).message}`,
    );
  }
}

/**
 * Runs an import in this process (`leadport import`, `imports resume`) with a progress bar (unless printing
 * JSON) and stop requests (stopRequests), then prints its summary. An import a stop request interrupted is
 * told on stderr, with the signal's exit code.
 */
async function runInForeground(
  json: boolean,
  dryRun: boolean,
  run: (signal: AbortSignal, onProgress: ((progress: ImportProgress) => void) | undefined) => Promise<ImportSummary>,
): Promise<void> {
  const progress = json ? undefined : progressReporter();
  const stop = stopRequests();
  try {
    const summary = await run(stop.signal, progress?.update);
    progress?.stop();
    if (json) printJson(summary);
    else printImportSummary(summary, dryRun);
  } catch (error) {
    if (!(error instanceof ImportInterrupted)) throw error;
    progress?.stop();
    process.stderr.write(`leadport: ${printableMessage(error.message)}\n`);
    process.exitCode = stop.exitCode();
  } finally {
    progress?.stop();
    stop.dispose();
  }
}

/**
 * Stop requests for a long command, as an AbortSignal: SIGINT, SIGTERM, SIGHUP, and the end of the parent
 * process when bin/leadport.js runs this one as its import child (the IPC channel disconnects, even when the
 * parent was killed with SIGKILL). `exitCode` follows the shell's convention, 128 + the signal's number
 * (a parent's end counts as SIGTERM). While installed, the signals no longer end the process at once;
 * repeated requests count as one.
 */
function stopRequests(): { signal: AbortSignal; exitCode: () => number; dispose: () => void } {
  const controller = new AbortController();
  let exitCode = 1;
  const stop = (cause: string, signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    exitCode = 128 + os.constants.signals[signal];
    controller.abort(cause);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal, signal);
  const onDisconnect = () => stop('the end of its parent process', 'SIGTERM');
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  process.on('disconnect', onDisconnect);
  return {
    signal: controller.signal,
    exitCode: () => exitCode,
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
      process.off('disconnect', onDisconnect);
    },
  };
}

interface ReadFlags {
  encoding?: string;
  delimiter?: string;
  header: boolean;
  sheet?: string;
  map?: string;
  template?: string;
}

/** Adds the options that override detection and mapping (preview, import, templates save). */
function withReadOptions(command: Command): Command {
  return command
    .option('--map <pairs>', 'column mapping overrides: "Column=field,Other=" (an empty field skips the column)')
    .option('--template <idOrName>', 'map with a saved template (one matching the headers is used otherwise)')
    .option('--encoding <name>', 'file encoding: utf-8, utf-16le, utf-16be, windows-1252 (default: detected)')
    .option('--delimiter <char>', 'field delimiter: , ; | or tab (default: detected)')
    .option('--no-header', 'the file has no header row (default: detected)')
    .option('--sheet <name>', 'the workbook sheet to read (default: the first)');
}

function readOverrides(flags: ReadFlags, headerGiven: boolean) {
  return {
    ...(flags.encoding ? { encoding: flags.encoding } : {}),
    ...(flags.delimiter ? { delimiter: unescapeDelimiter(flags.delimiter) } : {}),
    ...(headerGiven ? { hasHeader: flags.header } : {}),
    ...(flags.sheet ? { sheet: flags.sheet } : {}),
  };
}

// commander defaults `header` to true for --no-header; only an explicit --no-header overrides detection.
function headerGiven(command: Command): boolean {
  return command.getOptionValueSource('header') === 'cli';
}

// Options a command cannot run without. Commander's requiredOption checks them before it looks for unknown
// options, so a typo (`--souce acme-media`) was answered "required option '--source <id>' not specified";
// these are checked just before the action instead, after commander has named the unknown option.
// `leadport import`'s flag for files whose rows name their own flow and source.
const ROUTED = { name: 'routeByColumns', flag: '--route-by-columns' };

// Each required option, with the option (attribute name) that makes it unnecessary, if any.
const REQUIRED_OPTIONS = new WeakMap<Option, string | undefined>();

function requiredOption(flags: string, description: string, unless?: { name: string; flag: string }): Option {
  const option = new Option(flags, `${description} (required${unless ? ` unless ${unless.flag}` : ''})`);
  REQUIRED_OPTIONS.set(option, unless?.name);
  return option;
}

function checkRequiredOptions(command: Command): void {
  for (const option of command.options) {
    if (!REQUIRED_OPTIONS.has(option)) continue;
    const unless = REQUIRED_OPTIONS.get(option);
    if (unless !== undefined && command.getOptionValue(unless) !== undefined) continue;
    if (command.getOptionValue(option.attributeName()) === undefined) {
      command.error(`error: required option '${option.flags}' not specified`, {
        code: 'commander.missingMandatoryOptionValue',
      });
    }
  }
}

/** The version in the package.json above this module: src/cli when run from source, dist/src/cli when built. */
function packageVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/**
 * Usage errors as one line and a hint instead of the whole help: `leadport: error: unknown option '--souce'
 * (Did you mean --source?)` then `Run 'leadport import --help' for usage.` Commander puts its suggestion on
 * a second line; it is joined to the error, and everything from argv is shown printable.
 */
function oneLineUsageErrors(program: Command): void {
  const visit = (command: Command, name: string) => {
    command.configureOutput({
      outputError: (text, write) => write(`leadport: ${text.trimEnd().split('\n').map(printable).join(' ')}\n`),
    });
    command.showHelpAfterError(`Run '${name} --help' for usage.`);
    for (const sub of command.commands) visit(sub, `${name} ${sub.name()}`);
  };
  visit(program, program.name());
}

/** Builds the `leadport` command tree. */
export function buildProgram(): Command {
  const program = new Command('leadport')
    .description('Lead intake and batch import')
    .version(packageVersion(), '-v, --version', 'print the version')
    .hook('preAction', (_program, command) => checkRequiredOptions(command));

  program
    .command('serve')
    .description('run the HTTP server on HOST:PORT (default 127.0.0.1:3000) and the background jobs')
    .option('--no-worker', 'serve HTTP only; `leadport worker` processes run the jobs')
    .action(async (options: { worker: boolean }) => {
      const config = loadConfig();
      const store = await openStore(config);
      // Fastify and its plugins are loaded only to serve, so the other commands start quickly.
      const { startServer } = await import('../http/server.js');
      const server = await startServer(config, store, { worker: options.worker });
      // On a stop signal: in-flight requests finish (within a timeout), then the store closes. Installed
      // before the line below, which a supervisor may answer with a signal at once.
      server.stopOnSignals(() => store.close());
      if (server.firstAdmin) process.stdout.write(shown`created the first admin: ${server.firstAdmin}\n`);
      process.stdout.write(
        shown`Leadport is listening on ${server.url} (store: ${store.dialect}); API docs at ${server.url}/docs\n`,
      );
    });

  program
    .command('worker')
    .description('run background jobs only (imports, validations, reverts, webhooks) until stopped')
    .option('--concurrency <n>', 'jobs at once', (value) => Number.parseInt(value, 10))
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics at GET /metrics on HOST:port (0: any free port)',
      (value) => Number.parseInt(value, 10),
    )
    .action(async (options: { concurrency?: number; metricsPort?: number }) => {
      const config = loadConfig();
      const store = await openStore(config);
      const { runWorker } = await import('../jobs/worker.js');
      await runWorker(config, store, {
        concurrency: options.concurrency ?? config.workerConcurrency,
        metricsPort: options.metricsPort,
      });
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = loadConfig();
      const store = await openStore(config, { migrate: false });
      try {
        const applied = await migrate(store.db);
        process.stdout.write(applied.length ? shown`applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await store.close();
      }
    });

  const flows = program.command('flows').description('flows as code');
  flows
    .command('apply <file>')
    .description('create or update a flow from its JSON definition')
    .option('--json', 'print the result as JSON')
    .action((file: string, options: { json?: boolean }) =>
      withStore(async (store) => {
        const result = await applyFlow(store.db, readJsonFile(file), file);
        if (options.json) printJson({ id: result.id, result: result.result });
        else process.stdout.write(shown`flow "${result.id}" ${result.result}\n`);
      }),
    );
  flows
    .command('list')
    .description('list the flows with their field counts and sources')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withStore(async (store) => {
        const list = await listFlowSummaries(store.db);
        if (options.json) printJson(list);
        else
          for (const flow of list)
            process.stdout.write(
              shown`${flow.id}\t${flow.name}\t${flow.fields} fields\tsources: ${flow.sources.join(', ')}\n`,
            );
      }),
    );

  withReadOptions(
    program
      .command('preview <file>')
      .description('show what Leadport detects in a file, the suggested mapping and the first rows')
      .addOption(requiredOption('--flow <id>', 'flow id'))
      .option('--rows <n>', 'sample rows to show', '10')
      .option('--json', 'print JSON'),
  ).action((file: string, options: ReadFlags & { flow: string; rows: string; json?: boolean }, command: Command) =>
    withStore(async (store, config) => {
      // Looked up here first so that an unknown flow's message lists the flows: the CLI's user may see them
      // all, while the services below also answer sources over HTTP and so do not list them.
      await requireFlow(store.db, options.flow, { listFlows: true });
      const preview = await previewFile(store.db, forLocalFiles(config), {
        file,
        flowId: options.flow,
        read: readOverrides(options, headerGiven(command)),
        mapping: options.map ? parseMapOption(options.map) : undefined,
        template: options.template,
        rows: Number(options.rows) || 10,
      });
      if (options.json) printJson(preview);
      else printPreview(preview);
    }),
  );

  withReadOptions(
    program
      .command('import <file>')
      .description('import a lead file through the flow pipeline')
      .addOption(requiredOption('--flow <id>', 'flow id', ROUTED))
      .addOption(requiredOption('--source <id>', 'source id', ROUTED))
      .option(ROUTED.flag, "each row goes to the flow and source named in the file's flow_id and source_id columns")
      .option('--dry-run', 'run the whole pipeline without storing anything')
      .option('--json', 'print the summary as JSON'),
  ).action(
    (
      file: string,
      options: ReadFlags & {
        flow?: string;
        source?: string;
        routeByColumns?: boolean;
        dryRun?: boolean;
        json?: boolean;
      },
      command: Command,
    ) =>
      withStore(async (store, config) => {
        if (options.flow !== undefined) await requireFlow(store.db, options.flow, { listFlows: true }); // for the message, as in preview
        await runInForeground(options.json === true, options.dryRun === true, (signal, onProgress) =>
          runImport(store, forLocalFiles(config), {
            file,
            ...(options.flow !== undefined ? { flowId: options.flow } : {}),
            ...(options.source !== undefined ? { sourceId: options.source } : {}),
            routeByColumns: options.routeByColumns === true,
            dryRun: options.dryRun === true,
            read: readOverrides(options, headerGiven(command)),
            ...(options.map ? { mapping: parseMapOption(options.map) } : {}),
            ...(options.template ? { template: options.template } : {}),
            startedBy: 'cli',
            ...(onProgress ? { onProgress } : {}),
            signal,
          }),
        );
      }),
  );

  const templates = program.command('templates').description('saved column mappings');
  withReadOptions(
    templates
      .command('save <file>')
      .description("save the mapping of a file's columns (suggested, with --map overrides) as a named template")
      .addOption(requiredOption('--flow <id>', 'flow id'))
      .addOption(requiredOption('--name <name>', 'template name'))
      .option('--json', 'print JSON'),
  ).action((file: string, options: ReadFlags & { flow: string; name: string; json?: boolean }, command: Command) =>
    withStore(async (store, config) => {
      const flow = await requireFlow(store.db, options.flow, { listFlows: true });
      const tabular = await openForFlow(
        file,
        { maxBytes: forLocalFiles(config).maxUploadBytes, ...readOverrides(options, headerGiven(command)) },
        flow,
      );
      try {
        const plan = await planMapping(store.db, tabular, flow, {
          overrides: options.map ? parseMapOption(options.map) : undefined,
          template: options.template,
        });
        const saved = await saveTemplate(store.db, flow.id, options.name, plan.columns);
        if (options.json) printJson(saved);
        else process.stdout.write(shown`template "${saved.name}" saved for flow "${flow.id}" (${saved.id})\n`);
      } finally {
        tabular.close();
      }
    }),
  );
  templates
    .command('list')
    .description('list the saved templates')
    .option('--flow <id>', 'only this flow')
    .option('--json', 'print JSON')
    .action((options: { flow?: string; json?: boolean }) =>
      withStore(async (store) => {
        const views = await listTemplateViews(store.db, options.flow);
        if (options.json) printJson(views);
        else
          for (const view of views)
            process.stdout.write(
              shown`${view.id}  ${view.flowId}  ${view.name}  (${Object.keys(view.mapping).length} columns)\n`,
            );
      }),
    );

  const keys = program.command('keys').description('API keys');
  keys
    .command('create')
    .description('create an API key and print it once (only its hash is stored)')
    .option('--admin', 'an admin key: every admin route')
    .option('--source <id>', "a source's key: its submit endpoint, leads, report and imports")
    .option('--name <name>', 'a name to recognise the key by')
    .option('--json', 'print { id, kind, sourceId, name, key } as JSON')
    .action((options: { admin?: boolean; source?: string; name?: string; json?: boolean }) =>
      withStore(async (store) => {
        if (Boolean(options.admin) === Boolean(options.source))
          throw new AppError('bad_request', 'give exactly one of --admin or --source <id>');
        const name = options.name ? { name: options.name } : {};
        const created = await createApiKey(
          store.db,
          options.source ? { kind: 'source', sourceId: options.source, ...name } : { kind: 'admin', ...name },
        );
        if (options.json) printJson(created);
        else {
          process.stdout.write(`${created.key}\n`);
          process.stderr.write(
            shown`created ${created.kind} key ${created.id}${created.sourceId ? ` for source "${created.sourceId}"` : ''}; it is shown only now\n`,
          );
        }
      }),
    );
  keys
    .command('list')
    .description('list API keys: id, prefix, kind, name, revoked (never the keys themselves)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withStore(async (store) => {
        const list = await listApiKeyViews(store.db);
        if (options.json) printJson(list);
        else
          for (const key of list)
            process.stdout.write(
              shown`${key.id}  ${key.prefix}...  ${key.kind}${key.sourceId ? `:${key.sourceId}` : ''}  ${key.name}${key.revokedAt ? '  (revoked)' : ''}\n`,
            );
      }),
    );
  keys
    .command('revoke <id>')
    .description('revoke an API key: requests with it are refused from now on')
    .action((id: string) => withStore(async (store) => revokeKey(store.db, id)));

  const imports = program.command('imports').description('import history and reports');
  imports
    .command('list')
    .description('list the latest 100 imports, newest first, with status and counts')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withStore(async (store) => {
        const views = await listImportViews(store.db, OPERATOR, { limit: 100 });
        if (options.json) {
          printJson(views);
          return;
        }
        for (const view of views) {
          process.stdout.write(
            shown`${view.id}  ${view.status.padEnd(21)} ${view.fileName}  total ${view.total}, created ${view.created}, updated ${view.updated}, failed ${view.failed}\n`,
          );
        }
      }),
    );
  imports
    .command('show <importId>')
    .description('show one import: status, counts, timings, file and mapping')
    .option('--json', 'print JSON')
    .action((importId: string, options: { json?: boolean }) =>
      withStore(async (store) => {
        const view = await getImportView(store.db, OPERATOR, importId);
        if (options.json) printJson(view);
        else
          for (const [key, value] of Object.entries(view))
            process.stdout.write(shown`${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}\n`);
      }),
    );
  imports
    .command('resume <importId>')
    .description('go on with an import a stopped or killed process left unfinished, from its last committed batch')
    .option('--json', 'print the summary as JSON')
    .action((importId: string, options: { json?: boolean }) =>
      withStore((store, config) =>
        runInForeground(options.json === true, false, (signal, onProgress) =>
          resumeImport(store, forLocalFiles(config), importId, { signal, ...(onProgress ? { onProgress } : {}) }),
        ),
      ),
    );
  imports
    .command('cancel <importId>')
    .description('cancel an import: at once if it has not started, else after its current batch')
    .option('--json', 'print JSON')
    .action((importId: string, options: { json?: boolean }) =>
      withStore(async (store) => {
        const view = importView(await cancelImport(store.db, OPERATOR, importId));
        if (options.json) printJson(view);
        else
          process.stdout.write(
            shown`import ${view.id}: ${view.status}${view.status === 'processing' ? ' (stops after its current batch)' : ''}\n`,
          );
      }),
    );
  imports
    .command('revert <importId>')
    .description('remove the leads an import created and restore those it updated (leads changed since are kept)')
    .option('--json', 'print the revert result as JSON')
    .action((importId: string, options: { json?: boolean }) =>
      withStore(async (store, config) => {
        const jobs = createJobRunner(store, config);
        try {
          const { row, started } = await requestRevert(store.db, jobs, OPERATOR, importId);
          if (started) {
            const job = await jobs.enqueue('revert', { importId: row.id }, { key: `revert:${row.id}` });
            await jobs.runNow(job, {
              revert: async (_payload, context) => executeRevert(store, row.id, { signal: context.signal }),
            });
          }
        } finally {
          await jobs.stop();
        }
        const view = await getImportView(store.db, OPERATOR, importId);
        if (options.json) printJson(view);
        else {
          const revert = view.revert;
          process.stdout.write(
            shown`import ${view.id}: ${view.status}; ${revert?.removed ?? 0} leads removed, ${revert?.restored ?? 0} restored, ${revert?.conflicts.length ?? 0} left as they were (changed since)\n`,
          );
        }
      }),
    );
  imports
    .command('failed <importId>')
    .description('write the failed rows as CSV (original columns plus row, error and duplicate_of)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--xlsx', 'write an Excel workbook instead of CSV (with -o, or a file name ending in .xlsx)')
    .option('--no-bom', 'CSV without the UTF-8 byte-order mark (Excel needs it to read accents right)')
    .action((importId: string, options: { output?: string; xlsx?: boolean; bom: boolean }) =>
      withStore(async (store) => {
        const format = options.xlsx || options.output?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv';
        const records = await failedRecordsOf(store.db, OPERATOR, importId, { format, bom: options.bom });
        const out = options.output ? fs.createWriteStream(options.output) : process.stdout;
        await records.write(out);
        if (options.output) await finished(out.end());
      }),
    );

  imports
    .command('rows <importId>')
    .description('show the row report: each failing row with its values and reason (fixed rows with their fixes)')
    .addOption(
      new Option('--outcome <outcome>', 'only failures (rejected, duplicates) or errors').choices(['failure', 'error']),
    )
    .option('--reason <text>', 'only the rows with exactly this reason')
    .option('--json', 'print JSON (the shape of GET /api/imports/:id/rows, every row on one page)')
    .action((importId: string, options: { outcome?: 'failure' | 'error'; reason?: string; json?: boolean }) =>
      withStore(async (store) => {
        const filter = { outcome: options.outcome, reason: options.reason, limit: 1000 };
        const first = await rowReport(store.db, OPERATOR, importId, { ...filter, after: 0 });
        const rows = [...first.rows];
        for (let next = first.next; next !== null; ) {
          const page = await rowReport(store.db, OPERATOR, importId, { ...filter, after: next });
          rows.push(...page.rows);
          next = page.next;
        }
        if (options.json) {
          printJson({ ...first, rows, next: null });
          return;
        }
        for (const row of rows) {
          const values = Object.entries(row.values)
            .filter(([, value]) => value !== '')
            .map(([header, value]) => `${header}: ${value}`)
            .join(', ');
          process.stdout.write(
            shown`row ${row.row}: ${values} — ${row.reason ?? row.action}${row.fixed ? ' (fixed)' : ''}\n`,
          );
        }
        if (rows.length === 0) process.stdout.write('no failing rows\n');
      }),
    );

  const leads = program.command('leads').description('stored leads');
  leads
    .command('export')
    .description('write the stored leads as JSON lines (or CSV)')
    .option('--flow <id>', 'only this flow')
    .option('--source <id>', 'only this source')
    .option('--csv', 'write CSV instead of JSON lines')
    .option('--no-bom', 'CSV without the UTF-8 byte-order mark (Excel needs it to read accents right)')
    .addOption(new Option('-o, --output <file>', 'write to a file instead of stdout'))
    .action((options: { flow?: string; source?: string; csv?: boolean; bom: boolean; output?: string }) =>
      withStore(async (store) => {
        const out = options.output ? fs.createWriteStream(options.output) : process.stdout;
        const filter = { flowId: options.flow, sourceId: options.source };
        if (options.csv) await exportLeadsCsv(store.db, filter, out, { bom: options.bom });
        else await exportLeadsJsonLines(store.db, filter, out);
        if (options.output) await finished(out.end());
      }),
    );

  oneLineUsageErrors(program);
  return program;
}

function unescapeDelimiter(value: string): string {
  return value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
}

/** The CLI entry point: parses argv and runs the command; errors become a message and exit code 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const message =
      isAppError(error) || (error as Error)?.name === 'ConfigError'
        ? (error as Error).message
        : `unexpected error: ${(error as Error)?.stack ?? String(error)}`;
    process.stderr.write(`leadport: ${printableMessage(message)}\n`);
    process.exitCode = isAppError(error) ? 1 : 2;
  }
}
