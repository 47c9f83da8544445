// The selectors of `ip route get`, parsed exactly as iproute2 6.1 reads them (ip/iproute.c: iproute_get()).
import { parseIp } from '../addr/address.ts';
import type { Family, IpAddress } from '../addr/types.ts';
import { UsageError } from '../model/errors.ts';
import type { Errno, RouteQuery } from '../model/route-query.ts';
import { parseDsfield, parseIpproto } from '../render/iproute2-names.ts';
import { parseCUnsigned } from '../render/strtoul.ts';

/** A request the kernel refuses before any lookup, with the extack line `ip` prints for it. */
export interface RejectedRequest {
  readonly errno: Errno;
  readonly message: string;
}

export type RouteGetArgs =
  | {
      readonly kind: 'query';
      readonly query: RouteQuery;
      /** what `ip` warns about on stderr (e.g. a prefix length on the destination) */
      readonly warnings: readonly string[];
      readonly rejected?: RejectedRequest;
    }
  | { readonly kind: 'help' };

/** iproute2's matches(): `word` is a non-empty prefix of `keyword`. */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

type Keyword =
  | 'tos' | 'from' | 'iif' | 'mark' | 'oif' | 'notify' | 'connected' | 'vrf' | 'uid' | 'fibmatch'
  | 'as' | 'sport' | 'dport' | 'ipproto';

// mirrors the if/else chain of iproute_get(): the order decides what an abbreviation means
export function classifyKeyword(word: string): Keyword | undefined {
  if (word === 'tos' || matches(word, 'dsfield')) return 'tos';
  if (matches(word, 'from')) return 'from';
  if (matches(word, 'iif')) return 'iif';
  if (matches(word, 'mark')) return 'mark';
  if (matches(word, 'oif') || word === 'dev') return 'oif';
  if (matches(word, 'notify')) return 'notify';
  if (matches(word, 'connected')) return 'connected';
  if (matches(word, 'vrf')) return 'vrf';
  if (matches(word, 'uid')) return 'uid';
  if (matches(word, 'fibmatch')) return 'fibmatch';
  if (word === 'as') return 'as';
  if (matches(word, 'sport')) return 'sport';
  if (matches(word, 'dport')) return 'dport';
  if (matches(word, 'ipproto')) return 'ipproto';
  return undefined;
}

const FLAG_KEYWORDS: ReadonlySet<Keyword> = new Set(['notify', 'connected', 'fibmatch']);

/** Whether `word`, in keyword position, consumes the next argument as its value. */
export function takesValue(word: string): boolean {
  const k = classifyKeyword(word);
  return k === undefined ? word === 'to' : !FLAG_KEYWORDS.has(k);
}

interface ParsedPrefix {
  /** undefined for default/all/any without a family: no attribute is sent */
  readonly address?: IpAddress;
  readonly family?: Family;
  readonly bitlen: number;
}

const FAMILY_WORD = { 4: 'IPv4', 6: 'IPv6' } as const;

export function invalidAddress(text: string, family: Family | undefined): UsageError {
  if (family !== undefined && parseIp(text, 'iproute2', family === 4 ? 6 : 4) !== undefined) {
    return new UsageError(
      `"${text}" is not an ${FAMILY_WORD[family]} address`,
      `the query is ${FAMILY_WORD[family]} (from -${family} or an earlier address); every address in it must be ${FAMILY_WORD[family]}`,
    );
  }
  return new UsageError(`invalid address "${text}"`, 'give an IPv4 address (192.0.2.1, 10.1 = 10.1.0.0) or an IPv6 address (2001:db8::1)');
}

// mirrors get_netmask(), lib/utils.c: a number, or a dotted-quad netmask
function parseNetmask(text: string): number | undefined {
  const n = parseCUnsigned(text, 0, 0xffffffff);
  if (n !== undefined) return n;
  const mask = parseIp(text, 'iproute2', 4);
  if (mask?.family !== 4) return undefined;
  const host = ~mask.value >>> 0;
  if ((host & (host + 1)) !== 0) return undefined;
  return Math.clz32(host);
}

// mirrors get_prefix_1() / __get_addr_1(), lib/utils.c
function parsePrefixArg(text: string, family: Family | undefined): ParsedPrefix {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  let parsed: ParsedPrefix;
  let keyword = false;
  if (addrText === 'default' || addrText === 'all' || addrText === 'any') {
    keyword = true;
    const zero: IpAddress | undefined = family === 4 ? { family: 4, value: 0 } : family === 6 ? { family: 6, value: 0n } : undefined;
    // "default" carries a zero address of the family; "all"/"any" carry none
    parsed = { ...(addrText === 'default' && zero ? { address: zero } : {}), ...(family !== undefined ? { family } : {}), bitlen: 0 };
  } else {
    const f: Family = addrText.includes(':') ? 6 : 4;
    const address = family !== undefined && family !== f ? undefined : parseIp(addrText, 'iproute2', f);
    if (!address) throw invalidAddress(addrText, family);
    parsed = { address, family: f, bitlen: f === 4 ? 32 : 128 };
  }
  if (slash < 0) return parsed;
  const plen = keyword ? undefined : parseNetmask(text.slice(slash + 1));
  if (plen === undefined || plen > parsed.bitlen) {
    throw new UsageError(`invalid prefix "${text}"`, 'route get takes an address; a prefix length is accepted (and ignored) as ip does');
  }
  return { ...parsed, bitlen: plen };
}

function numberArg(keyword: string, text: string, base: 0 | 10, max: number, hint: string): number {
  const n = parseCUnsigned(text, base, max);
  if (n === undefined) throw new UsageError(`invalid ${keyword} "${text}"`, hint);
  return n;
}

const NUMBER_HINT = 'decimal, 0x… hexadecimal or 0… octal';

/** Parses SELECTORS (everything after `route get`); throws UsageError for bad input. */
export function parseRouteGetArgs(args: readonly string[], familyOption?: Family): RouteGetArgs {
  let family = familyOption;
  let dst: IpAddress | undefined;
  let addressFound = false;
  let from: IpAddress | undefined;
  let srcAttr = false;
  let srcLen = 0;
  let iif: string | undefined;
  let oif: string | undefined;
  let mark = 0;
  let tos = 0;
  let uid: number | undefined;
  let ipproto: number | undefined;
  let sport: number | undefined;
  let dport: number | undefined;
  let fibmatch = false;
  const warnings: string[] = [];

  let i = 0;
  const next = (word: string): string => {
    i++;
    const value = args[i];
    if (value === undefined) throw new UsageError(`"${word}" needs a value`, 'see `pbr route get --help`');
    return value;
  };
  for (; i < args.length; i++) {
    const word = args[i]!;
    switch (classifyKeyword(word)) {
      case 'tos': {
        const value = next(word);
        const parsed = parseDsfield(value);
        if (parsed === undefined) {
          throw new UsageError(`invalid tos "${value}"`, 'tos is hexadecimal (10 means 0x10) or an rt_dsfield name such as CS1, AF11, EF');
        }
        tos = parsed;
        break;
      }
      case 'from': {
        const value = next(word);
        if (matches(value, 'help')) return { kind: 'help' };
        const p = parsePrefixArg(value, family);
        family ??= p.family;
        // each `from` with an address adds an RTA_SRC (the kernel reads the last); rtm_src_len is the last length
        if (p.address) {
          from = p.address;
          srcAttr = true;
        }
        srcLen = p.bitlen;
        break;
      }
      case 'iif':
        iif = next(word);
        break;
      case 'mark':
        mark = numberArg('mark', next(word), 0, 0xffffffff, `a mark is a number 0..4294967295, ${NUMBER_HINT}`);
        break;
      case 'oif':
        oif = next(word);
        break;
      case 'uid':
        uid = numberArg('uid', next(word), 0, 0xffffffff, `a uid is a number 0..4294967295, ${NUMBER_HINT}`);
        break;
      case 'fibmatch':
        fibmatch = true;
        break;
      case 'sport':
        sport = numberArg('sport', next(word), 0, 0xffff, `a port is a number 0..65535, ${NUMBER_HINT}`);
        break;
      case 'dport':
        dport = numberArg('dport', next(word), 0, 0xffff, `a port is a number 0..65535, ${NUMBER_HINT}`);
        break;
      case 'ipproto': {
        const value = next(word);
        const parsed = parseIpproto(value);
        if (parsed === undefined) {
          throw new UsageError(`invalid ipproto "${value}"`, 'a protocol name (tcp, udp, icmp, ipv6-icmp) or a decimal number 0..255');
        }
        ipproto = parsed;
        break;
      }
      case 'notify':
      case 'connected':
      case 'vrf':
      case 'as':
        throw new UsageError(`"${word}" is not supported by pbr route get`, 'supported: to, from, iif, oif, mark, tos/dsfield, uid, ipproto, sport, dport, fibmatch');
      case undefined: {
        const value = word === 'to' ? next(word) : word;
        if (matches(value, 'help')) return { kind: 'help' };
        const p = parsePrefixArg(value, family);
        family ??= p.family;
        dst = p.address;
        const host = family === 4 ? 32 : family === 6 ? 128 : undefined;
        if (host !== undefined && p.bitlen !== host) {
          warnings.push(`Warning: /${p.bitlen} as prefix is invalid, only /${host} (or none) is supported.`);
        }
        addressFound = true;
        break;
      }
    }
  }
  if (!addressFound) {
    throw new UsageError('route get needs a destination address', 'e.g. pbr route get 192.0.2.1 from 10.0.0.5 iif eth0');
  }
  const f: Family = family ?? 4;
  const query: RouteQuery = {
    family: f,
    dst: dst ?? (f === 4 ? { family: 4, value: 0 } : { family: 6, value: 0n }),
    ...(from ? { from } : {}),
    ...(iif !== undefined ? { iif } : {}),
    ...(oif !== undefined ? { oif } : {}),
    ...(mark ? { mark } : {}),
    ...(tos ? { tos } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(ipproto !== undefined ? { ipproto } : {}),
    ...(sport !== undefined ? { sport } : {}),
    ...(dport !== undefined ? { dport } : {}),
    ...(fibmatch ? { fibmatch } : {}),
  };
  const rejected = validateRequest(f, srcAttr, srcLen, ipproto);
  return { kind: 'query', query, warnings, ...(rejected ? { rejected } : {}) };
}

// mirrors inet_rtm_valid_getroute_req(), net/ipv4/route.c, inet6_rtm_valid_getroute_req(), net/ipv6/route.c,
// and rtm_getroute_parse_ip_proto(), net/core/fib_rules.c
function validateRequest(family: Family, srcAttr: boolean, srcLen: number, ipproto: number | undefined): RejectedRequest | undefined {
  const host = family === 4 ? 32 : 128;
  const ipv = family === 4 ? 'ipv4' : 'ipv6';
  if (srcLen !== 0 && srcLen !== host) {
    const what = family === 4 ? 'route get request' : 'get route request';
    return { errno: 'EINVAL', message: `Error: ${ipv}: Invalid values in header for ${what}.` };
  }
  if (srcAttr && srcLen === 0) {
    return { errno: 'EINVAL', message: `Error: ${ipv}: rtm_src_len and rtm_dst_len must be ${host} for IPv${family}.` };
  }
  const icmp = family === 4 ? 1 : 58;
  if (ipproto !== undefined && ipproto !== 6 && ipproto !== 17 && ipproto !== icmp) {
    return { errno: 'EOPNOTSUPP', message: 'Error: Unsupported ip proto.' };
  }
  return undefined;
}
