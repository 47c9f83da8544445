import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BUILTIN_SERVICES, indexServices, lookupServicePort } from '../model/services.ts';
import { parseEtcServices } from './etc-services.ts';

const FILE = [
  '# Network services, Internet style',
  'tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer',
  'ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol',
  'http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP',
  'domain\t\t53/udp',
  'domain\t\t53/tcp',
  'broken line',
  'toobig\t\t70000/tcp',
  'kerberos\t88/tcp\t\tkerberos5 krb5 kerberos-sec',
  'kerberos\t99/tcp\t\t# a later duplicate loses',
  '',
].join('\n');

test('parseEtcServices reads name, port/protocol and aliases, skipping comments and bad lines', () => {
  assert.deepEqual(parseEtcServices(FILE), [
    { name: 'tcpmux', port: 1, protocol: 'tcp', aliases: [] },
    { name: 'ssh', port: 22, protocol: 'tcp', aliases: [] },
    { name: 'http', port: 80, protocol: 'tcp', aliases: ['www'] },
    { name: 'domain', port: 53, protocol: 'udp', aliases: [] },
    { name: 'domain', port: 53, protocol: 'tcp', aliases: [] },
    { name: 'kerberos', port: 88, protocol: 'tcp', aliases: ['kerberos5', 'krb5', 'kerberos-sec'] },
    { name: 'kerberos', port: 99, protocol: 'tcp', aliases: [] },
  ]);
});

test('lookupServicePort: by protocol, then any protocol; aliases; first entry wins', () => {
  const index = indexServices(parseEtcServices(FILE));
  const rows: readonly (readonly [string, string | undefined, number | undefined])[] = [
    ['ssh', 'tcp', 22],
    ['ssh', 'udp', 22],
    ['www', 'tcp', 80],
    ['krb5', 'tcp', 88],
    ['kerberos', 'tcp', 88],
    ['domain', 'udp', 53],
    ['domain', undefined, 53],
    ['nosuch', 'tcp', undefined],
    ['toobig', 'tcp', undefined],
  ];
  for (const [name, proto, port] of rows) assert.equal(lookupServicePort(index, name, proto), port, `${name}/${proto}`);
});

test('the built-in table knows the common services', () => {
  const index = indexServices(BUILTIN_SERVICES);
  const rows: readonly (readonly [string, string, number])[] = [
    ['ssh', 'tcp', 22], ['http', 'tcp', 80], ['www', 'tcp', 80], ['https', 'udp', 443], ['domain', 'udp', 53],
    ['ntp', 'udp', 123], ['openvpn', 'udp', 1194], ['ipsec-nat-t', 'udp', 4500], ['postgres', 'tcp', 5432],
  ];
  for (const [name, proto, port] of rows) assert.equal(lookupServicePort(index, name, proto), port, name);
});

test('the built-in table agrees with this machine\'s /etc/services', { skip: !existsSync('/etc/services') && 'no /etc/services here' }, () => {
  const index = indexServices(parseEtcServices(readFileSync('/etc/services', 'utf8')));
  for (const e of BUILTIN_SERVICES) {
    for (const word of [e.name, ...e.aliases]) assert.equal(index.get(word)?.get(e.protocol), e.port, `${word}/${e.protocol}`);
  }
});
