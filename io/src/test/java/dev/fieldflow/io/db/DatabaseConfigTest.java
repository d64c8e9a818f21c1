package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link DatabaseConfig} resolves and shows; no server needed (see ConnectionsTest). */
class DatabaseConfigTest {
  private static final String URL = "jdbc:postgresql://db.example.com:5432/fieldflow";

  @TempDir Path home;

  @Test
  void toStringAndDescribeNeverShowThePassword() {
    DatabaseConfig config = DatabaseConfig.of(URL, "fieldflow_writer", "<not-a-real-secret>");

    assertThat(config.toString(), not(containsString("<not-a-real-secret>")));
    assertThat(config.describe(), not(containsString("<not-a-real-secret>")));
    assertThat(config.describe(), is(URL + " (user fieldflow_writer)"));
    assertThat(
        config.toString(),
        is("DatabaseConfig{jdbcUrl=" + URL + ", user=fieldflow_writer, password=****}"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:postgresql://db.example.com:5432/fieldflow?password=<not-a-real-secret>",
        "jdbc:postgresql://db.example.com:5432/fieldflow?user=u&password=<not-a-real-secret>&ssl=true",
        "jdbc:postgresql://db.example.com:5432/fieldflow?ssl=true&PASSWORD=<not-a-real-secret>",
        "jdbc:postgresql://db.example.com:5432/fieldflow?sslmode=verify-full&sslpassword=<not-a-real-secret>",
        "jdbc:postgresql://u:<not-a-real-secret>@db.example.com:5432/fieldflow",
      })
  void passwordsWrittenIntoTheUrlAreMasked(String url) {
    DatabaseConfig config = DatabaseConfig.of(url, null, null);

    assertThat(config.toString(), not(containsString("<not-a-real-secret>")));
    assertThat(config.describe(), not(containsString("<not-a-real-secret>")));
    assertThat(config.describe(), containsString("****"));
    assertThat(DatabaseConfig.maskSecrets(url), containsString("db.example.com"));
  }

  @Test
  void theUrlsUserIsShownWhenNoUserIsGiven() {
    DatabaseConfig config = DatabaseConfig.of(URL + "?user=reporter&password=x", null, null);

    assertThat(config.describe(), is(URL + "?user=reporter&password=**** (user reporter)"));
  }

  @Test
  void aUrlThatIsNotPostgresIsRefusedAndNotEchoedWithItsPassword() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DatabaseConfig.of("jdbc:mysql://h/db?password=<not-a-real-secret>", "u", null));

    assertThat(
        e.getMessage(),
        is("not a PostgreSQL JDBC URL: 'jdbc:mysql://h/db?password=****'; expected"
            + " jdbc:postgresql://host:port/database"));
  }

  @Test
  void explicitValuesWinOverTheEnvironment() {
    DatabaseConfig config =
        DatabaseConfig.resolve(
            URL,
            "explicit_user",
            "explicit-pw",
            env(
                "FIELDFLOW_JDBC_URL", "jdbc:postgresql://env-host/fieldflow",
                "FIELDFLOW_DB_USER", "env_user",
                "FIELDFLOW_DB_PASSWORD", "env-pw"));

    assertThat(config, is(DatabaseConfig.of(URL, "explicit_user", "explicit-pw")));
  }

  @Test
  void theEnvironmentWinsOverTheLocalDatabase() {
    LocalCredentials.generate(54329).write(home);

    DatabaseConfig config =
        DatabaseConfig.resolve(
            null,
            null,
            null,
            env(
                "FIELDFLOW_JDBC_URL", URL,
                "FIELDFLOW_DB_USER", "env_user",
                "FIELDFLOW_DB_PASSWORD", "env-pw"));

    assertThat(config, is(DatabaseConfig.of(URL, "env_user", "env-pw")));
  }

  @Test
  void withNothingConfiguredTheLocalDatabasesWriterIsUsed() {
    LocalCredentials local = LocalCredentials.generate(54329);
    local.write(home);

    DatabaseConfig config = DatabaseConfig.resolve(null, null, null, env());

    assertThat(config, is(local.writer()));
    assertThat(config.jdbcUrl(), is("jdbc:postgresql://127.0.0.1:54329/fieldflow"));
    assertThat(config.user(), is("fieldflow_writer"));
  }

  @Test
  void theLocalAnalystsPasswordIsFoundByItsName() {
    LocalCredentials local = LocalCredentials.generate(54329);
    local.write(home);

    DatabaseConfig config = DatabaseConfig.resolve(null, "fieldflow_analyst", null, env());

    assertThat(config, is(local.analyst()));
  }

  @Test
  void anAnalystOnlyHomeGivesTheAnalystsLoginAndNoOther() throws IOException {
    LocalCredentials local = LocalCredentials.generate(54329);
    local.write(home);
    Files.delete(home.resolve("credentials.env"));
    Files.delete(home.resolve("credentials-admin.env"));

    DatabaseConfig config = DatabaseConfig.resolve(null, "fieldflow_analyst", null, env());

    assertThat(config, is(local.analyst()));
    assertThat(DatabaseConfig.resolve(null, "fieldflow_writer", null, env()).password(),
        is(nullValue()));
  }

  @Test
  void eachRolesFileHoldsOnlyThatRolesPassword() throws IOException {
    LocalCredentials local = LocalCredentials.generate(54329);
    local.write(home);

    String writer = Files.readString(home.resolve("credentials.env"));
    String analyst = Files.readString(home.resolve("credentials-analyst.env"));
    String admin = Files.readString(home.resolve("credentials-admin.env"));

    assertThat(writer, containsString(local.writerPassword));
    assertThat(writer, not(containsString(local.analystPassword)));
    assertThat(writer, not(containsString(local.adminPassword)));
    assertThat(analyst, containsString(local.analystPassword));
    assertThat(analyst, not(containsString(local.writerPassword)));
    assertThat(analyst, not(containsString(local.adminPassword)));
    assertThat(admin, containsString(local.adminPassword));
    assertThat(admin, not(containsString(local.writerPassword)));
    assertThat(admin, not(containsString(local.analystPassword)));
  }

  @Test
  void aCombinedFileOfAnOlderVersionIsStillRead() throws IOException {
    Files.writeString(home.resolve("credentials.env"), String.join("\n",
        "FIELDFLOW_JDBC_URL=jdbc:postgresql://127.0.0.1:54329/fieldflow",
        "FIELDFLOW_DB_USER=fieldflow_writer",
        "FIELDFLOW_DB_PASSWORD=w-pw",
        "FIELDFLOW_DB_HOST=127.0.0.1",
        "FIELDFLOW_DB_PORT=54329",
        "FIELDFLOW_DB_NAME=fieldflow",
        "FIELDFLOW_ANALYST_USER=fieldflow_analyst",
        "FIELDFLOW_ANALYST_PASSWORD=a-pw",
        "FIELDFLOW_ADMIN_USER=postgres",
        "FIELDFLOW_ADMIN_PASSWORD=s-pw", ""));

    LocalCredentials read = LocalCredentials.read(home).orElseThrow();

    assertThat(read.combinedFile, is(true));
    assertThat(read.passwordOf("fieldflow_writer").orElseThrow(), is("w-pw"));
    assertThat(read.passwordOf("fieldflow_analyst").orElseThrow(), is("a-pw"));
    assertThat(read.passwordOf("postgres").orElseThrow(), is("s-pw"));
  }

  @Test
  void aLocalPasswordIsNeverSentToAnotherServer() {
    LocalCredentials.generate(54329).write(home);

    DatabaseConfig config =
        DatabaseConfig.resolve(URL, "fieldflow_writer", null, env());

    assertThat(config.password(), is(nullValue()));
  }

  @Test
  void aPgpassEntryWinsOverTheLocalCredentials() throws IOException {
    LocalCredentials.generate(54329).write(home);
    Path pgpass = home.resolve("pgpass");
    Files.writeString(pgpass, "127.0.0.1:54329:fieldflow:fieldflow_writer:from-pgpass\n");
    String previous = System.setProperty("org.postgresql.pgpassfile", pgpass.toString());
    try {
      DatabaseConfig config = DatabaseConfig.resolve(null, null, null, env());

      // Left to the driver, which reads the same file.
      assertThat(config.password(), is(nullValue()));
      assertThat(config.user(), is("fieldflow_writer"));
    } finally {
      restoreProperty("org.postgresql.pgpassfile", previous);
    }
  }

  @Test
  void withNothingConfiguredAtAllTheErrorSaysWhatToDo() {
    DatabaseUnavailableException e =
        assertThrows(
            DatabaseUnavailableException.class,
            () -> DatabaseConfig.resolve(null, null, null, env()));

    assertThat(
        e.getMessage(),
        is("no PostgreSQL configured: set --jdbcUrl or FIELDFLOW_JDBC_URL, or start the local"
            + " database with ./manage.sh db start (no " + home.resolve("credentials.env") + ")"));
  }

  @Test
  void checkReachableAgainstAClosedPortFailsWithinTheTimeoutNamingTheMaskedUrl() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/fieldflow";
    DatabaseConfig config = DatabaseConfig.of(url + "?sslpassword=<not-a-real-secret>", "fieldflow_writer", "pw");

    long started = System.nanoTime();
    DatabaseUnavailableException e =
        assertThrows(DatabaseUnavailableException.class, () -> config.checkReachable(Duration.ofSeconds(2)));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(took, lessThan(Duration.ofSeconds(4)));
    assertThat(
        e.getMessage(),
        is("cannot reach PostgreSQL at " + url + "?sslpassword=**** (user fieldflow_writer):"
            + " connection refused (for 2 s); start it with ./manage.sh db start or set"
            + " FIELDFLOW_JDBC_URL"));
  }

  /** The driver names the host it could not resolve as "u:SECRET@127.0.0.1". */
  @Test
  void aPasswordInTheUrlsUserInfoIsNotRepeatedByTheDriversMessage() {
    DatabaseConfig config = DatabaseConfig.of(
        "jdbc:postgresql://u:not-a-real-secret@127.0.0.1:1/fieldflow", null, null);

    DatabaseUnavailableException e =
        assertThrows(DatabaseUnavailableException.class, () -> config.checkReachable(Duration.ofSeconds(1)));

    assertThat(e.getMessage(), not(containsString("not-a-real-secret")));
    assertThat(e.getMessage(), containsString("****"));
  }

  /** pgjdbc reads user=x;password=SECRET as one user name, and describe() shows the user. */
  @Test
  void aPasswordAfterASemicolonIsNotShownAsPartOfTheUser() {
    DatabaseConfig config = DatabaseConfig.of(
        "jdbc:postgresql://127.0.0.1:1/fieldflow?user=x;password=not-a-real-secret", null, null);

    assertThat(config.describe(), not(containsString("not-a-real-secret")));
    assertThat(config.scrub("host u:not-a-real-secret@h"), is("host u:****@h"));
  }

  @Test
  void itSurvivesJavaSerializationAsBeamShipsIt() {
    DatabaseConfig config = DatabaseConfig.of(URL, "fieldflow_writer", "pw");

    DatabaseConfig copy = SerializableUtils.clone(config);

    assertThat(copy, is(config));
    assertThat(copy.password(), is("pw"));
  }

  @Test
  void jdbcIoConfigurationDisplaysNoPassword() {
    DatabaseConfig config = DatabaseConfig.of(URL, "fieldflow_writer", "<not-a-real-secret>");

    String displayed =
        DisplayData.from(
                JdbcIO.<String>read()
                    .withDataSourceConfiguration(config.jdbcIoConfiguration())
                    .withQuery("SELECT 1"))
            .toString();

    assertThat(displayed, containsString(URL));
    assertThat(displayed, not(containsString("<not-a-real-secret>")));
  }

  @Test
  void localCredentialsNeverPrintTheirPasswords() {
    LocalCredentials local = LocalCredentials.generate(54329);

    assertThat(local.toString(), not(containsString(local.writerPassword)));
    assertThat(local.toString(), startsWith("LocalCredentials{jdbc:postgresql://127.0.0.1:54329/fieldflow"));
  }

  private Map<String, String> env(String... keysAndValues) {
    java.util.HashMap<String, String> env = new java.util.HashMap<>();
    env.put("FIELDFLOW_HOME", home.toString());
    for (int i = 0; i < keysAndValues.length; i += 2) {
      env.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return env;
  }

  private static void restoreProperty(String key, String previous) {
    if (previous == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, previous);
    }
  }
}
