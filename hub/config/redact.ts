// Broker URLs may carry user:password@; anything printed goes through redactUrl first.

/** The URL with its password replaced by `***` (user name kept); unparsable input is scrubbed too. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: drop anything between "//" (or the start) and the last "@".
    return url.replace(/^([^/]*\/\/)?[^@/]*@/, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
  }
  if (!parsed.password) return url;
  parsed.password = '***';
  const text = parsed.toString();
  // new URL adds a trailing "/" to bare authorities; keep what the user wrote.
  return !url.endsWith('/') && parsed.pathname === '/' && !parsed.search && !parsed.hash ? text.replace(/\/$/, '') : text;
}
