"""psycopg2 (on libpq) with a conninfo `npm run connect --json` prints (drivers.libpq or drivers.libpqService)."""
import json
import sys

import psycopg2

try:
    with psycopg2.connect(sys.argv[1], connect_timeout=10) as connection, connection.cursor() as cursor:
        cursor.execute("select current_user, host(inet_client_addr()), (select ssl from pg_stat_ssl where pid = pg_backend_pid())")
        user, via, ssl = cursor.fetchone()
        print(json.dumps({"ok": True, "user": user, "via": via, "ssl": ssl}))
except psycopg2.Error as error:
    print(json.dumps({"ok": False, "error": str(error)}))
    sys.exit(1)
