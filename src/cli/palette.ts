// The terminal palette: colours only when the stream is a TTY and NO_COLOR is unset (OutputStream.color).
import pc from 'picocolors';
import type { Palette } from '../render/palette.ts';

export function paletteFor(color: boolean): Palette {
  const c = pc.createColors(color);
  return { ifname: c.cyan, addr: c.magenta, good: c.green, bad: c.red, warn: c.yellow, dim: c.dim, bold: c.bold };
}
