// Zero-width characters and the byte-order mark: Excel and web forms leave them inside values.
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;
// Non-breaking and other exotic spaces: they look like spaces, so they are spaces.
const ODD_SPACES = /[\u00A0\u2007\u202F\u3000]/g;

/** Removes invisible characters, turns odd spaces into plain ones, and trims. */
export function cleanText(value: string): string {
  // (cleanText keeps a non-breaking space as a space: "Mary\u00a0Ann" is two words.)
  let text = value;
  // Fast path: most cells are plain ASCII and need only a trim.
  if (/[^\x20-\x7E]/.test(text)) text = text.replace(INVISIBLE, '').replace(ODD_SPACES, ' ');
  return text.trim();
}

/** Lowercases and strips punctuation and spacing, for forgiving comparisons ("E-mail Address" -> "emailaddress"). */
export function squash(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '');
}
