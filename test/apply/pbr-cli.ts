// Runs the pbr CLI from source (node --import tsx test/apply/pbr-cli.ts ARGS): the confirm watcher of tests.
import { main } from '../../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
