// When does typed input run? Espruino's REPL counts brackets with its lexer: Enter runs the
// input once every (, [ and { is closed; otherwise it waits for more lines (prompt ":").
// Brackets inside strings, templates and comments do not count, and an unfinished string
// ends the input (measured on 2v29: `foo("abc` + Enter runs at once and fails), which is
// also how a lone `"` line gets a REPL out of a half-sent multi-line input.

export function isInputComplete(code: string): boolean {
  let depth = 0;
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) {
        if (code[j] === '\\') j++;
        else if (code[j] === '\n' && c !== '`') return true; // unfinished string: the line ends the input
        j++;
      }
      if (j >= code.length) return true; // unfinished string or template
      i = j + 1;
    } else if (c === '/' && code[i + 1] === '/') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      if (end < 0) return false; // an open comment waits for more
      i = end + 2;
    } else {
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      i++;
    }
  }
  return depth <= 0;
}
