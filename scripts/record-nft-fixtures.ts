// Records the nft parser fixtures (test/fixtures/netfilter/nft/<case>/) from real nft and iptables-nft runs in a
// network namespace. Run as root: npx tsx scripts/record-nft-fixtures.ts
// then UPDATE_GOLDEN=1 node --import tsx --test src/parse/nft-golden.test.ts to rewrite each case's expected.json.
//
// A case directory holds its input: ruleset.nft (loaded with `nft -f`), or iptables.rules / ip6tables.rules (loaded
// with iptables-restore / ip6tables-restore, iptables' nf_tables variant, so xt expressions appear). The script
// stores `nft -j list ruleset` as nft.json and `nft -a list ruleset` as nft.txt beside it. The namespace is removed
// again, also on failure.
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram } from '../src/host/exec.ts';

const NETNS = 'pbrn-fx';
const CASES = join(import.meta.dirname, '..', 'test', 'fixtures', 'netfilter', 'nft');

async function run(argv: string[], options: { netns?: string; input?: string } = {}): Promise<string> {
  const result = await runProgram(argv, options);
  if (result.exitCode !== 0) throw new Error(`${result.argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return result.stdout;
}

const inNetns = (argv: string[], input?: string): Promise<string> => run(argv, input === undefined ? { netns: NETNS } : { netns: NETNS, input });

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Loads one case's input into the (flushed) namespace. */
async function load(dir: string): Promise<void> {
  await inNetns(['nft', 'flush', 'ruleset']);
  const nft = join(dir, 'ruleset.nft');
  if (await exists(nft)) await inNetns(['nft', '-f', nft]);
  for (const [file, program] of [['iptables.rules', 'iptables-restore'], ['ip6tables.rules', 'ip6tables-restore']] as const) {
    const path = join(dir, file);
    if (await exists(path)) await inNetns([program], await readFile(path, 'utf8'));
  }
}

async function main(): Promise<void> {
  await run(['ip', 'netns', 'add', NETNS]);
  try {
    await inNetns(['ip', 'link', 'set', 'lo', 'up']);
    // two devices for chains that hook several (netdev `devices = { va, vb }`)
    await inNetns(['ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
    for (const name of (await readdir(CASES, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
      const dir = join(CASES, name);
      await load(dir);
      await writeFile(join(dir, 'nft.json'), await inNetns(['nft', '-j', 'list', 'ruleset']));
      await writeFile(join(dir, 'nft.txt'), await inNetns(['nft', '-a', 'list', 'ruleset']));
      console.log(`recorded ${name}`);
    }
  } finally {
    await run(['ip', 'netns', 'del', NETNS]);
  }
  console.log('now: UPDATE_GOLDEN=1 node --import tsx --test src/parse/nft-golden.test.ts');
}

await main();
