// `pbr install` / `pbr uninstall`: what brings pbr's state back at boot. systemctl runs only on --enable / --disable.
import { resolve } from 'node:path';
import { installPersistence, systemctlArgv, uninstallPersistence } from '../apply/persistence.ts';
import { runProgram } from '../host/exec.ts';
import { ExitCode, SystemError, UsageError } from '../model/errors.ts';
import { PBR_RT_TABLES_FILE } from '../plan/ownership.ts';
import { buildIntentPlan, type IntentPlanArgs } from './intent-plan.ts';
import type { CliIo } from './io.ts';

export interface InstallCommandArgs extends IntentPlanArgs {
  readonly json: boolean;
  /** install: `systemctl enable pbr.service`; uninstall: `systemctl disable pbr.service` first */
  readonly systemctl: boolean;
}

async function systemctl(action: 'enable' | 'disable', io: CliIo): Promise<void> {
  const argv = systemctlArgv(action);
  const result = await runProgram(argv);
  if (result.exitCode !== 0) throw new SystemError(`${argv.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
  io.stderr.write(`pbr: ${argv.join(' ')}: done\n`);
}

function checkSystemctl(args: InstallCommandArgs, flag: string): void {
  if (args.systemctl && args.root !== undefined) throw new UsageError(`${flag} acts on this machine's systemd; it does not go with --root`);
}

/** The sysctl.d lines for the desired sysctls, keys in slash form (interface names may hold dots; sysctl.d(5) allows it). */
function renderSysctlConf(sysctls: ReadonlyMap<string, string>): string {
  return [...sysctls].map(([path, value]) => `${path} = ${value}\n`).join('');
}

export async function runInstall(args: InstallCommandArgs, io: CliIo): Promise<number> {
  checkSystemctl(args, '--enable');
  const script = process.argv[1];
  if (script === undefined) throw new SystemError('cannot tell where pbr itself is installed');
  const { intentText, desired } = await buildIntentPlan(io, args);
  const result = await installPersistence(
    {
      intent: intentText,
      sysctlConf: renderSysctlConf(desired.sysctls),
      rtTablesConf: desired.files.find((f) => f.path === PBR_RT_TABLES_FILE)?.content ?? '',
    },
    resolve(script),
    args.root === undefined ? {} : { root: args.root },
  );
  if (args.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.kind === 'refused') {
    throw new SystemError(
      `pbr install: not pbr's, left as they are, nothing written: ${result.foreign.join(', ')}`,
      'move those files away (or keep your intent elsewhere and install with -c FILE), then install again',
    );
  }
  for (const path of result.written) io.stderr.write(`pbr install: wrote ${path}\n`);
  for (const path of result.unchanged) io.stderr.write(`pbr install: unchanged ${path}\n`);
  if (args.systemctl) await systemctl('enable', io);
  else io.stderr.write('pbr install: to apply at boot: systemctl enable pbr.service (or pbr install --enable)\n');
  return ExitCode.ok;
}

export async function runUninstall(args: InstallCommandArgs, io: CliIo): Promise<number> {
  checkSystemctl(args, '--disable');
  if (args.systemctl) await systemctl('disable', io);
  const result = await uninstallPersistence(args.root === undefined ? {} : { root: args.root });
  if (args.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const path of result.removed) io.stderr.write(`pbr uninstall: removed ${path}\n`);
  for (const path of result.foreign) io.stderr.write(`pbr uninstall: left ${path}: not written by pbr\n`);
  if (result.removed.length === 0 && result.foreign.length === 0) io.stderr.write('pbr uninstall: nothing of pbr was installed\n');
  return ExitCode.ok;
}
