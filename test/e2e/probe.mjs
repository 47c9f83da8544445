// Real traffic for the e2e lab, run inside a namespace with `ip netns exec NS node probe.mjs MODE …`.
//   serve --tcp 22,80 --udp 5000       listens on every IPv4 and IPv6 address; prints {"event":"ready"}, then one JSON
//                                      line per connection/datagram with the peer it saw, and answers
//                                      the peer with that same JSON (so the client learns it too);
//                                      exits on SIGTERM or when its stdin closes
//   tcp --to ADDR --port N [--from ADDR] [--sport N] [--timeout MS]
//   udp --to ADDR --port N [--from ADDR] [--sport N] [--timeout MS]
//                                      one exchange; prints {"ok":true,"local":…,"localPort":…,"seen":{…}}
//                                      or {"ok":false,"error":…} and exits 0 either way
import net from 'node:net';
import dgram from 'node:dgram';

const [mode, ...rest] = process.argv.slice(2);
const args = new Map();
for (let i = 0; i + 1 < rest.length; i += 2) args.set(rest[i].replace(/^--/, ''), rest[i + 1]);

const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const ports = (name) => (args.get(name) ?? '').split(',').filter((p) => p !== '').map(Number);

function serve() {
  const listeners = [];
  for (const host of ['0.0.0.0', '::']) {
    for (const port of ports('tcp')) {
      const server = net.createServer((socket) => {
        const seen = { event: 'tcp', local: socket.localAddress, localPort: socket.localPort, peer: socket.remoteAddress, peerPort: socket.remotePort };
        print(seen);
        socket.on('error', () => undefined);
        socket.end(`${JSON.stringify(seen)}\n`);
      });
      listeners.push(new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, ipv6Only: true }, resolve);
      }));
    }
    for (const port of ports('udp')) {
      const socket = dgram.createSocket(host === '::' ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
      socket.on('message', (_message, rinfo) => {
        const seen = { event: 'udp', localPort: port, peer: rinfo.address, peerPort: rinfo.port };
        print(seen);
        socket.send(JSON.stringify(seen), rinfo.port, rinfo.address);
      });
      listeners.push(new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ port, address: host }, resolve);
      }));
    }
  }
  Promise.all(listeners).then(
    () => print({ event: 'ready' }),
    (error) => {
      print({ event: 'error', error: String(error) });
      process.exit(1);
    },
  );
  process.on('SIGTERM', () => process.exit(0));
  // the test that started us is gone (even if it was killed): stop too
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

function finish(result) {
  print(result);
  process.exit(0);
}

function tcpClient(to, port, timeout) {
  const options = { host: to, port };
  if (args.has('from')) options.localAddress = args.get('from');
  if (args.has('sport')) options.localPort = Number(args.get('sport'));
  const socket = net.connect(options);
  let data = '';
  let local;
  setTimeout(() => finish({ ok: false, error: 'timeout', ...local }), timeout);
  socket.on('connect', () => {
    local = { local: socket.localAddress, localPort: socket.localPort };
  });
  socket.on('data', (chunk) => {
    data += chunk;
  });
  socket.on('end', () => finish({ ok: true, ...local, seen: JSON.parse(data) }));
  socket.on('error', (error) => finish({ ok: false, error: error.code ?? String(error) }));
}

function udpClient(to, port, timeout) {
  const v6 = to.includes(':');
  const socket = dgram.createSocket(v6 ? 'udp6' : 'udp4');
  setTimeout(() => finish({ ok: false, error: 'timeout' }), timeout);
  socket.on('message', (message) => {
    const address = socket.address();
    finish({ ok: true, local: address.address, localPort: address.port, seen: JSON.parse(message.toString()) });
  });
  socket.on('error', (error) => finish({ ok: false, error: error.code ?? String(error) }));
  socket.bind({ address: args.get('from') ?? (v6 ? '::' : '0.0.0.0'), port: Number(args.get('sport') ?? 0) }, () => {
    socket.send('probe', port, to);
  });
}

const timeout = Number(args.get('timeout') ?? 2000);
if (mode === 'serve') serve();
else if (mode === 'tcp') tcpClient(args.get('to'), Number(args.get('port')), timeout);
else if (mode === 'udp') udpClient(args.get('to'), Number(args.get('port')), timeout);
else {
  process.stderr.write(`probe.mjs: unknown mode ${mode}\n`);
  process.exit(2);
}
