import type { ITheme } from '@xterm/xterm';

/**
 * xterm's colours from the console's CSS variables, so a terminal follows the light or dark
 * theme (read again when the colour scheme changes). The ANSI colours stay xterm's own but for
 * black and white, which would vanish against the background in one theme or the other.
 */
export function terminalTheme(from: Element): ITheme {
  const css = getComputedStyle(from);
  const v = (name: string): string | undefined => css.getPropertyValue(name).trim() || undefined;
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  return {
    background: v('--surface'),
    foreground: v('--text'),
    cursor: v('--text'),
    cursorAccent: v('--surface'),
    selectionBackground: v('--selected'),
    selectionForeground: v('--text'),
    black: dark ? '#5c5f66' : '#1c1d21',
    white: dark ? '#e6e7ea' : '#62656e',
  };
}

/** The console's monospace family, as xterm wants it (a CSS font-family list). */
export function terminalFont(from: Element): string {
  return getComputedStyle(from).getPropertyValue('--mono').trim() || 'monospace';
}
