// Neighbour (ARP/ND) states as the routing code tests them (include/net/neighbour.h).

const NUD_VALID_WORDS = new Set(['PERMANENT', 'NOARP', 'REACHABLE', 'PROBE', 'STALE', 'DELAY']);

// mirrors NUD_VALID, include/net/neighbour.h
export function nudValid(state: readonly string[]): boolean {
  return state.some((w) => NUD_VALID_WORDS.has(w.toUpperCase()));
}

export function nudIs(state: readonly string[], word: string): boolean {
  return state.some((w) => w.toUpperCase() === word);
}
