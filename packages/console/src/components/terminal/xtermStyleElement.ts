/**
 * Where xterm.js's own CSS goes under the console's CSP (`style-src 'self'`, no inline
 * `<style>`): xterm creates three `<style>` elements (the scrollbar's colours, the DOM
 * renderer's cell size and theme) and sets their text. The console's build renames them to
 * this element (vite.config.ts, `xtermStyleElements`), whose text becomes a constructable
 * stylesheet adopted by the document while it is connected: CSSOM, which the CSP allows.
 */
export const XTERM_STYLE_TAG = 'paddock-xterm-style';

class XtermStyleElement extends HTMLElement {
  readonly sheet = new CSSStyleSheet();
  private css = '';

  connectedCallback(): void {
    if (!document.adoptedStyleSheets.includes(this.sheet)) {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
    }
  }

  disconnectedCallback(): void {
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== this.sheet);
  }

  get cssText(): string {
    return this.css;
  }

  set cssText(text: string) {
    this.css = text;
    this.sheet.replaceSync(text);
  }
}

// xterm sets `textContent`: it goes to the sheet, never into the page as text.
Object.defineProperty(XtermStyleElement.prototype, 'textContent', {
  get(this: XtermStyleElement): string {
    return this.cssText;
  },
  set(this: XtermStyleElement, text: string | null) {
    this.cssText = text ?? '';
  },
});

if (!customElements.get(XTERM_STYLE_TAG)) customElements.define(XTERM_STYLE_TAG, XtermStyleElement);
