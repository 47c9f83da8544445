// /etc/services (netbase format) into service entries.
import type { ServiceEntry } from '../model/services.ts';

// mirrors the line format getservent(3) reads: name port/protocol [aliases…] [# comment]
export function parseEtcServices(text: string): ServiceEntry[] {
  const entries: ServiceEntry[] = [];
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const words = (hash < 0 ? raw : raw.slice(0, hash)).trim().split(/\s+/).filter((w) => w !== '');
    const [name, portProto, ...aliases] = words;
    if (name === undefined || portProto === undefined) continue;
    const m = /^(\d+)\/([a-z0-9-]+)$/i.exec(portProto);
    if (!m) continue;
    const port = Number(m[1]);
    if (port > 0xffff) continue;
    entries.push({ name, port, protocol: m[2]!.toLowerCase(), aliases });
  }
  return entries;
}
