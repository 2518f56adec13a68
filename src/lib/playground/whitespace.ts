/**
 * Making invisible characters visible, for the token inspector and the heatmap. Pure: no DOM.
 */

const NAMED: Record<string, string> = {
  ' ': '·',
  '\n': '↵',
  '\t': '→',
  '\r': '␍',
  '\u00a0': '⍽',
};

/**
 * A token's text with whitespace and invisible characters drawn: space ·, newline ↵, tab →, CR ␍,
 * no-break space ⍽, and other format or control characters as ⟨U+XXXX⟩.
 * @example visibleWhitespace(' the\n') // '·the↵'
 */
export function visibleWhitespace(text: string): string {
  let out = '';
  for (const ch of text) {
    if (NAMED[ch]) out += NAMED[ch];
    else if (/^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}]$/u.test(ch))
      out += `⟨U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`;
    else out += ch;
  }
  return out;
}

/** A run of a token's text: plain characters, or one kind of whitespace the heatmap marks. */
export interface TextPart {
  text: string;
  kind: 'text' | 'space' | 'newline' | 'tab';
}

/**
 * Split a token's text into plain runs and single whitespace characters, so the heatmap can mark them
 * while the element's textContent stays exactly the input.
 * @example splitWhitespace('a\nb', false) // [{text:'a',kind:'text'},{text:'\n',kind:'newline'},{text:'b',kind:'text'}]
 */
export function splitWhitespace(text: string, markSpaces: boolean): TextPart[] {
  const re = markSpaces ? /[\n\t ]/ : /[\n\t]/;
  if (!re.test(text)) return [{ text, kind: 'text' }];
  const parts: TextPart[] = [];
  let run = '';
  for (const ch of text) {
    const kind = ch === '\n' ? 'newline' : ch === '\t' ? 'tab' : ch === ' ' && markSpaces ? 'space' : null;
    if (kind) {
      if (run) parts.push({ text: run, kind: 'text' });
      run = '';
      parts.push({ text: ch, kind });
    } else run += ch;
  }
  if (run) parts.push({ text: run, kind: 'text' });
  return parts;
}
