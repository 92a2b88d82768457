// pgjdbc with the URL `npm run connect --json` prints (drivers.jdbc); the password comes from the
// pgpass file named by PGPASSFILE. Run as a single source file: java -cp postgresql.jar JdbcProbe.java <url>
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;

public class JdbcProbe {
    public static void main(String[] args) {
        String sql = "select current_user, host(inet_client_addr()), (select ssl from pg_stat_ssl where pid = pg_backend_pid())";
        try (Connection connection = DriverManager.getConnection(args[0]); ResultSet row = connection.createStatement().executeQuery(sql)) {
            row.next();
            System.out.println("{\"ok\":true,\"user\":" + quote(row.getString(1)) + ",\"via\":" + quote(row.getString(2)) + ",\"ssl\":" + row.getBoolean(3) + "}");
        } catch (SQLException error) {
            Throwable cause = error.getCause();
            System.out.println("{\"ok\":false,\"error\":" + quote(error.getMessage() + (cause == null ? "" : " / " + cause)) + "}");
            System.exit(1);
        }
    }

    private static String quote(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }
}
