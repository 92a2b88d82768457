// node-postgres with the settings `npm run connect --json` prints (drivers.nodePostgres), as an
// application would use them: the CA bundle's contents as `ssl.ca`, the password from PGPASSWORD.
import * as fs from "node:fs";
import pg from "pg";

const settings = JSON.parse(process.argv[2]);
const { caFile, ...ssl } = settings.ssl;
const client = new pg.Client({ ...settings, ssl: { ...ssl, ca: fs.readFileSync(caFile, "utf8") }, connectionTimeoutMillis: 10_000 });
try {
    await client.connect();
    const { rows } = await client.query("select current_user as user, host(inet_client_addr()) as via, (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as ssl");
    console.log(JSON.stringify({ ok: true, ...rows[0] }));
    await client.end();
} catch (error) {
    console.log(JSON.stringify({ ok: false, error: `${error.code ?? ""} ${error.message}` }));
    process.exitCode = 1;
}
