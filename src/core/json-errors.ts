import { parse, printParseErrorCode, type ParseError, type ParseErrorCode } from 'jsonc-parser';

const WORDS: Partial<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'a property name in double quotes is expected (or a comma too many before it)',
  ValueExpected: 'a value is expected (or a comma too many before it)',
  ColonExpected: 'a ":" is expected after the property name',
  CommaExpected: 'a "," is expected between items',
  CloseBraceExpected: 'a closing "}" is expected',
  CloseBracketExpected: 'a closing "]" is expected',
  EndOfFileExpected: 'unexpected text after the end of the JSON',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a string is never closed',
  UnexpectedEndOfNumber: 'a number ends too early',
  InvalidUnicode: 'not a valid \\u escape',
  InvalidEscapeCharacter: 'not a valid escape in a string',
  InvalidCharacter: 'a control character (such as a line break) inside a string',
};

/**
 * Where and why a text is not valid JSON, as "line 4, column 3: a "," is expected between items", for the
 * people who write flow files by hand (JSON.parse says "at position 212", or nothing). Null when it is valid.
 */
export function describeJsonError(text: string): string | null {
  if (text.trim() === '') return 'the file is empty';
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return null;
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  const code = printParseErrorCode(first.error as ParseErrorCode);
  return `line ${line}, column ${column}: ${WORDS[code] ?? code}`;
}
