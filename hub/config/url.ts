// Broker URLs as users write them: credentials may ride along as user:password@.

export interface SplitUrl {
  /** The URL without credentials (unchanged when it does not parse). */
  url: string;
  username?: string;
  password?: string;
}

/** Moves user:password@ out of a broker URL, so the password is kept apart and never logged. */
export function splitUrlCredentials(url: string): SplitUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url }; // the schema reports it, redacted
  }
  if (!parsed.username && !parsed.password) return { url };
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  let bare = parsed.toString();
  // new URL adds "/" after a bare authority; keep what the user wrote.
  if (!url.endsWith('/') && parsed.pathname === '/' && !parsed.search && !parsed.hash) bare = bare.replace(/\/$/, '');
  return { url: bare, username, password };
}
