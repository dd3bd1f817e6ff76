/**
 * What a PostgreSQL connection URL may show in logs, reports and manifests: host (with the port
 * when the URL names one) and database name, never the user or password.
 */
export interface DatabaseLocation {
  host: string;
  database: string;
}

/** `{ host: 'db.example.com:5432', database: 'threadbase' }`; `unknown` for an unparsable URL. */
export function describeUrl(url: string): DatabaseLocation {
  try {
    const u = new URL(url);
    return {
      host: u.port ? `${u.hostname}:${u.port}` : u.hostname,
      database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    };
  } catch {
    return { host: 'unknown', database: 'unknown' };
  }
}

/** The same as one string, `host[:port]/database`. */
export function describeUrlText(url: string): string {
  const { host, database } = describeUrl(url);
  return `${host}/${database}`;
}
