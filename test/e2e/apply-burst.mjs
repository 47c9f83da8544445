// Many TCP connections from one process, run inside a namespace with `ip netns exec NS node apply-burst.mjs …`:
//   --to ADDR --port N --count N [--parallel N] [--timeout MS]
// Each connection gets a fresh ephemeral source port; the probe.mjs server at the far end answers with the peer it
// saw. Prints {"ok":N,"failed":N,"errors":{code:N},"peers":{address:N}} and exits 0.
import net from 'node:net';

const rest = process.argv.slice(2);
const args = new Map();
for (let i = 0; i + 1 < rest.length; i += 2) args.set(rest[i].replace(/^--/, ''), rest[i + 1]);
const to = args.get('to');
const port = Number(args.get('port'));
const count = Number(args.get('count'));
const parallel = Number(args.get('parallel') ?? 50);
const timeout = Number(args.get('timeout') ?? 3000);

const peers = {};
const errors = {};
let ok = 0;

function connectOnce() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: to, port });
    let data = '';
    const fail = (code) => {
      errors[code] = (errors[code] ?? 0) + 1;
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(() => fail('timeout'), timeout);
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const seen = JSON.parse(data);
      peers[seen.peer] = (peers[seen.peer] ?? 0) + 1;
      ok++;
      socket.destroy();
      resolve();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      fail(error.code ?? String(error));
    });
  });
}

let started = 0;
async function worker() {
  while (started < count) {
    started++;
    await connectOnce();
  }
}

await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
process.stdout.write(`${JSON.stringify({ ok, failed: count - ok, errors, peers })}\n`);
