// sysctl values → Map keyed by the path below /proc/sys ("net/ipv4/conf/all/rp_filter").
import type { Parsed } from '../model/diagnostics.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';

const PROC_SYS = '/proc/sys/';

/**
 * Accepts three line forms: "net/ipv4/ip_forward=1" (the snapshot form), "/proc/sys/net/ipv4/ip_forward:1"
 * (`grep -r . /proc/sys/net`), and "net.ipv4.ip_forward = 1" (`sysctl -a`, where a "/" stands for a "."
 * in a device name). A file with several lines gives one value joined with newlines.
 */
export function parseSysctlLines(text: string, file = 'sysctl'): Parsed<Map<string, string>> {
  const sink = new DiagnosticSink(file);
  const values = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    const entry = splitSysctlLine(line);
    if (entry === undefined) {
      sink.warning('sysctl-bad-line', `cannot read "${line}" as "path=value"`, sink.at(index + 1, 1),
        'write one sysctl per line, e.g. "net/ipv4/conf/all/rp_filter=1"');
      return;
    }
    const previous = values.get(entry.path);
    values.set(entry.path, previous === undefined ? entry.value : `${previous}\n${entry.value}`);
  });
  return { value: values, diagnostics: sink.diagnostics };
}

function splitSysctlLine(line: string): { path: string; value: string } | undefined {
  if (line.startsWith(PROC_SYS)) {
    const colon = line.indexOf(':', PROC_SYS.length);
    if (colon < 0) return undefined;
    return validPath(line.slice(PROC_SYS.length, colon), line.slice(colon + 1));
  }
  const equals = line.indexOf('=');
  if (equals < 0) return undefined;
  const key = line.slice(0, equals).trim();
  const value = line.slice(equals + 1).trim();
  if (/^(net|kernel)\./.test(key)) {
    return validPath(key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.')), value);
  }
  return validPath(key, value);
}

function validPath(path: string, value: string): { path: string; value: string } | undefined {
  const clean = path.replace(/^\/+/, '');
  if (clean === '' || /\s/.test(clean) || clean.split('/').some((part) => part === '' || part === '..')) return undefined;
  return { path: clean, value };
}
