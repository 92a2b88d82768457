/** What the proxy forwards: the stack's server, its built-in PgBouncer, and databases it does not own. */

/** The Flexible Server's built-in PgBouncer listens here, on the server's own name. */
export const PGBOUNCER_PORT = 6432;
