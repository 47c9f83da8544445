// Types for the part of the npm package longest-prefix-match (CommonJS, untyped) that the benchmark uses.
declare module 'longest-prefix-match' {
  class LongestPrefixMatch<T = unknown> {
    /** `prefix`: "a.b.c.d/len" or "x:y::/len" */
    addPrefix(prefix: string, payload: T): void;
    /** payloads of the longest prefix containing `prefix` (all of them with `all`), [] when none does */
    getMatch(prefix: string, all?: boolean): T[];
  }
  export = LongestPrefixMatch;
}
