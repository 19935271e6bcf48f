/**
 * Restricted mode: the kernel runs where there is no container engine and no outbound network,
 * with a single writable data directory (docs/restricted-mode.md). Plugins say in their
 * manifest what they reach; a selected plugin that asks for something restricted mode lacks is
 * refused before it is created, so nothing tries a socket that is not there.
 */
import type { Scheduler } from '../contracts/scheduler.js';
import { GoferError } from '../errors.js';
import type { PluginSelection } from './plugin-host.js';
import type { PluginSource } from './plugin-manifest.js';

/** Permissions (and scheduler needs) that restricted mode cannot grant. */
export const RESTRICTED_MISSING = ['container-engine', 'network'] as const;

const FIX =
  'select plugins that need neither, e.g. scheduler.engine = "wasi" with wasm extensions, ' +
  'or start the service without --restricted';

/** Throws one error naming every selected plugin that asks for what restricted mode lacks. */
export function refuseUnrestrictedPlugins(
  sources: readonly PluginSource[],
  selections: readonly PluginSelection[],
): void {
  const problems: string[] = [];
  for (const sel of selections) {
    const source = sources.find(
      (s) => s.manifest.kind === sel.kind && s.manifest.name === sel.name,
    );
    const missing = lacking(source?.manifest.permissions ?? []);
    if (source && missing.length > 0) {
      problems.push(
        `plugin "${source.manifest.id}" (${sel.setting} = "${sel.name}") needs ` +
          `${missing.join(' and ')}, which restricted mode does not have`,
      );
    }
  }
  if (problems.length > 0) throw refusal(problems);
}

/** A scheduler's stated needs are checked too, whatever its manifest says. */
export function refuseUnrestrictedScheduler(scheduler: Scheduler): void {
  const missing = lacking(scheduler.capabilities.needs);
  if (missing.length === 0) return;
  throw refusal([
    `scheduler "${scheduler.name}" needs ${missing.join(' and ')}, which restricted mode does not have`,
  ]);
}

/**
 * Checked when a plugin package or an extension is installed into a restricted kernel, so that
 * what could never run there is refused at once instead of failing at its first start.
 */
export function refuseUnrestrictedInstall(what: string, needs: readonly string[]): void {
  const missing = lacking(needs);
  if (missing.length === 0) return;
  throw refusal([`${what} needs ${missing.join(' and ')}, which restricted mode does not have`]);
}

/** What an extension needs of its environment: containers run on an engine; sockets are network. */
export function extensionNeeds(runtime: 'wasm' | 'container', grants: readonly string[]): string[] {
  if (runtime === 'container') return ['container-engine'];
  const network = grants.some((g) => /^wasi:(sockets|http)(\/|@|$)/.test(g));
  return network ? ['network'] : [];
}

function lacking(asked: readonly string[]): string[] {
  return asked.filter((p) => (RESTRICTED_MISSING as readonly string[]).includes(p));
}

function refusal(problems: string[]): GoferError {
  return new GoferError(
    'FAILED_PRECONDITION',
    `restricted mode refuses ${problems.length === 1 ? 'a plugin' : 'plugins'}: ${problems.join('; ')}`,
    FIX,
  );
}
