// Room and node ids: slugs of [a-z0-9_-], 1..32 characters. They become topic levels and
// Home Assistant object ids, so anything that could add a level or a wildcard is refused
// with the character and its position named.

export const SLUG_MAX_LENGTH = 32;

function isSlugChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/** Why `value` is not a valid slug (for a `what` such as "node id"), or undefined when it is. */
export function slugProblem(value: unknown, what: string): string | undefined {
  // Self-contained (32 is SLUG_MAX_LENGTH): the board checks its config with this at boot, and
  // a top-level helper would cost it RAM for good.
  if (typeof value !== 'string') return what + ' must be a string';
  if (value.length === 0) return what + ' is empty';
  if (value.length > 32) {
    return what + ' is ' + value.length + ' characters long (at most 32)';
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45)) {
      const hint = c >= 65 && c <= 90 ? ' (ids are lower case)' : ' (use a-z, 0-9, _ or -)';
      const name =
        c === 0
          ? 'NUL'
          : c === 32
            ? 'space'
            : c < 32 || c === 127
              ? 'control character 0x' + ('0' + c.toString(16)).slice(-2)
              : "'" + String.fromCharCode(c) + "'";
      return what + " '" + printable(value) + "': " + name + ' at position ' + (i + 1) + ' is not allowed' + hint;
    }
  }
  return undefined;
}

export function isSlug(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > SLUG_MAX_LENGTH) return false;
  for (let i = 0; i < value.length; i++) if (!isSlugChar(value.charCodeAt(i))) return false;
  return true;
}

/** "Living Room" → "living_room": lower case, runs of anything else become one `_`. */
export function toSlug(name: string): string {
  let out = '';
  let pendingSeparator = false;
  for (let i = 0; i < name.length && out.length < SLUG_MAX_LENGTH; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (isSlugChar(c)) {
      if (pendingSeparator && out.length > 0) out += '_';
      pendingSeparator = false;
      out += String.fromCharCode(c);
    } else {
      pendingSeparator = true;
    }
  }
  return out.slice(0, SLUG_MAX_LENGTH);
}

/** A short excerpt safe to put in a log line: control bytes shown as \xNN, cut at 40. */
export function printable(text: string, max?: number): string {
  const limit = max || 40;
  let out = '';
  for (let i = 0; i < text.length && i < limit; i++) {
    const c = text.charCodeAt(i);
    out += c < 32 || c === 127 ? '\\x' + ('0' + c.toString(16)).slice(-2) : text.charAt(i);
  }
  return text.length > limit ? out + '...' : out;
}
