// Colour hooks shared by the text renderers; identity functions when colour is off.
export interface Palette {
  readonly ifname: (s: string) => string;
  readonly addr: (s: string) => string;
  /** matched rules, packets that got somewhere, checks that pass */
  readonly good: (s: string) => string;
  /** drops, rejects, failed lookups, errors */
  readonly bad: (s: string) => string;
  /** rules pbr does not model, possible outcomes, things worth a look */
  readonly warn: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

const id = (s: string): string => s;
export const PLAIN_PALETTE: Palette = { ifname: id, addr: id, good: id, bad: id, warn: id, dim: id, bold: id };
