// `policies:` of the intent file: named matches and the uplinks their traffic leaves by.
import { isSeq } from 'yaml';
import type { Family } from '../addr/types.ts';
import type { Policy } from '../model/intent.ts';
import { ipprotoName } from '../model/iproute2-names.ts';
import { POLICY_NAME, readString } from './intent-values.ts';
import { parseMatch, type AddressList } from './parse-match.ts';
import { parseVia, type ReadVia, type UplinkIndex } from './parse-via.ts';
import { matchFamilies, matchNamesFamily, protoFamilies, uplinkFamilies } from './policy-families.ts';
import { describe, type YamlField, type YamlReader } from './yaml-reader.ts';

const POLICY_KEYS = ['name', 'match', 'via'] as const;

export function parsePolicies(r: YamlReader, field: YamlField | undefined, uplinks: UplinkIndex): Policy[] {
  if (field === undefined || field.value === undefined) return [];
  if (!isSeq(field.value)) {
    r.error(field.value, 'intent-wrong-type', `policies must be a list (each item starting with "- name: …"), not ${describe(field.value)}`);
    return [];
  }
  const policies: Policy[] = [];
  const seen = new Map<string, number | undefined>();
  for (const [i, item] of field.value.items.entries()) {
    const path = `policies[${i}]`;
    const node = r.resolve(item);
    const map = r.map(node, node ?? field.value, path);
    if (!map) continue;
    const before = r.errorCount;
    const f = r.fields(map, path, POLICY_KEYS, ['name', 'match', 'via']);
    const nameField = f.get('name');
    const name = nameField && readString(r, nameField.value, nameField.at, `${path}.name`, 'a policy name');
    if (nameField && name !== undefined) {
      if (!POLICY_NAME.test(name)) {
        r.error(nameField.at, 'intent-bad-name', `${path}.name '${name}' is not a plain word`, 'letters, digits, ".", "-" and "_", at most 64 characters, e.g. ssh-via-isp2');
      } else if (seen.has(name)) {
        const line = seen.get(name);
        r.error(nameField.at, 'intent-duplicate-policy', `${path}.name: a policy named '${name}' already exists`, `policy names must be unique${line === undefined ? '' : ` (the first is at line ${line})`}`);
      } else seen.set(name, r.locate(nameField.at).line);
    }
    const addressLists: AddressList[] = [];
    const matchField = f.get('match');
    const match = matchField && parseMatch(r, matchField.value, matchField.at, `${path}.match`, { negated: false, addressLists });
    const viaField = f.get('via');
    const via = viaField && parseVia(r, viaField.value, viaField.at, `${path}.via`, uplinks);
    if (r.errorCount !== before || name === undefined || !match || !via || !matchField) continue;
    const policy: Policy = { name, match, via: via.via, location: r.locate(map) };
    if (checkFamilies(r, policy, path, addressLists, matchField, via)) policies.push(policy);
  }
  return policies;
}

function familyWords(families: Iterable<Family>): string {
  return [...families].map((f) => `IPv${f}`).join(' and ');
}

/** src and dst agree on the family; the uplinks carry the family the match names, or at least one family. */
function checkFamilies(r: YamlReader, policy: Policy, path: string, lists: readonly AddressList[], matchField: YamlField, via: ReadVia): boolean {
  const first = lists[0];
  for (const list of lists.slice(1)) {
    if (first && !sameFamilies(first.families, list.families)) {
      r.error(list.node, 'intent-family-mix', `${list.path} is ${familyWords(list.families)} but ${first.path} is ${familyWords(first.families)}`,
        'a rule matches one family at a time: give both lists the same families, or write one policy per family');
      return false;
    }
  }
  const families = matchFamilies(policy.match);
  if (families.length === 0) {
    r.error(matchField.at, 'intent-family-mix', `${path}.match: proto ${ipprotoName(policy.match.proto ?? 0)} is ${familyWords(protoFamilies(policy.match.proto))} only but the addresses are ${familyWords(first?.families ?? [])}`,
      'use icmp with IPv4 addresses and icmpv6 with IPv6 ones');
    return false;
  }
  if (matchNamesFamily(policy.match)) {
    for (const ref of via.references) {
      const carried = uplinkFamilies(ref.uplink);
      const missing = families.filter((f) => !carried.includes(f));
      if (missing.length > 0) {
        const key = missing[0] === 6 ? 'gateway6' : 'gateway';
        r.error(ref.node, 'intent-uplink-family', `policy '${policy.name}' matches ${familyWords(missing)} but uplink '${ref.uplink.name}' has no ${key}`,
          `give uplinks.${ref.uplink.name} a ${key}, or send this policy by an uplink that has one`);
        return false;
      }
    }
    return true;
  }
  const common = families.filter((f) => via.references.every((ref) => uplinkFamilies(ref.uplink).includes(f)));
  if (common.length === 0) {
    r.error(via.references[0]?.node, 'intent-uplink-family', `policy '${policy.name}': its uplinks ${via.references.map((x) => `'${x.uplink.name}'`).join(', ')} carry no family in common`,
      'an uplink carries IPv4 with a gateway and IPv6 with a gateway6; give them one in common');
    return false;
  }
  return true;
}

function sameFamilies(a: ReadonlySet<Family>, b: ReadonlySet<Family>): boolean {
  return a.size === b.size && [...a].every((f) => b.has(f));
}
