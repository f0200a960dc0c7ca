package dev.stateless.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} process on a free loopback port, for tests. No mocks, no client
 * library: {@link #command} speaks RESP over a plain socket so a test can check what is in Redis.
 *
 * <p>Which server: when the environment variable {@value #URI_ENV} is set ({@code
 * redis://[[user]:password@]host[:port][/db]}), nothing is started and every method talks to that
 * server ({@link #stop()} and {@link #restart()} then abort the calling test as skipped, since an
 * outage cannot be staged on a server this fixture does not own). Otherwise the {@code
 * redis-server} on the {@code PATH} is started, or, when there is none, the Linux/macOS binary
 * shipped in the {@code com.github.codemonstur:embedded-redis} jar on the test class path
 * (extracted once per JVM).
 *
 * <p>In a JUnit 5 test, let {@link RedisExtension} (or {@link WithRedis @WithRedis}) start and stop
 * it; by hand:
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     SessionStore store = RedisSessionStore.builder(redis.uri()).build();
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. A JVM shutdown hook kills every server process still running, so an aborted test
 * run leaves none behind.
 */
public final class RedisServer implements AutoCloseable {

    /** Environment variable that points the tests at an external server instead of starting one. */
    public static final String URI_ENV = "STATELESS_TEST_REDIS_URI";

    private static final String LOOPBACK = FreePorts.LOOPBACK;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);

    private static final Object BINARY_LOCK = new Object();
    private static Path extractedBinary; // guarded by BINARY_LOCK

    private final String uri;
    private final String host;
    private final int port;
    private final String user; // external server only; may be null
    private final String password; // external server only; may be null
    private final int database; // external server only
    private final Path binary; // null for an external server
    private final Path workDir; // null for an external server
    private RedisProcess process; // guarded by this; null while stopped

    private RedisServer(String uri, String host, int port, String user, String password, int database,
            Path binary, Path workDir) {
        this.uri = uri;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
        this.binary = binary;
        this.workDir = workDir;
    }

    /**
     * Starts a server on a free loopback port and waits until it answers {@code PING}, or returns
     * the external server named by {@value #URI_ENV}.
     *
     * @return the running server; the test stops it
     * @throws IllegalStateException when the server does not come up; the message holds the tail of
     *     its log
     */
    public static RedisServer start() {
        String external = System.getenv(URI_ENV);
        if (external != null && !external.isBlank()) {
            return external(external.trim());
        }
        Path binary = binary();
        IllegalStateException portTaken = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            RedisServer server = owned(binary, FreePorts.loopback());
            try {
                server.launch();
                return server;
            } catch (IllegalStateException e) {
                // Another process may take the port between our probe and redis-server's bind.
                if (e.getMessage() == null || !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
                portTaken = e;
            }
        }
        throw portTaken;
    }

    /** Starts a server on exactly this port, without retrying elsewhere (for the fixture's own tests). */
    static RedisServer startOn(int port) {
        RedisServer server = owned(binary(), port);
        server.launch();
        return server;
    }

    private static RedisServer owned(Path binary, int port) {
        Path workDir = RedisProcess.tempDir("stateless-redis-" + port + "-");
        workDir.resolve("redis-server.log").toFile().deleteOnExit();
        return new RedisServer("redis://" + LOOPBACK + ":" + port, LOOPBACK, port, null, null, 0, binary, workDir);
    }

    private static RedisServer external(String uriText) {
        URI parsed = URI.create(uriText);
        if (!"redis".equalsIgnoreCase(parsed.getScheme()) || parsed.getHost() == null) {
            throw new IllegalArgumentException(URI_ENV + " must look like redis://host:port, was " + uriText);
        }
        String user = null;
        String password = null;
        if (parsed.getUserInfo() != null) {
            String info = parsed.getUserInfo();
            int colon = info.indexOf(':');
            user = colon < 0 ? null : info.substring(0, colon);
            password = colon < 0 ? info : info.substring(colon + 1);
            if (user != null && user.isEmpty()) {
                user = null;
            }
        }
        String path = parsed.getPath();
        int database = path == null || path.isEmpty() || path.equals("/") ? 0 : Integer.parseInt(path.substring(1));
        return new RedisServer(uriText, parsed.getHost(), parsed.getPort() < 0 ? 6379 : parsed.getPort(), user,
                password, database, null, null);
    }

    /**
     * {@code redis://127.0.0.1:PORT} (or the external URI as given).
     *
     * @return the URI
     */
    public String uri() {
        return uri;
    }

    /**
     * The server's host.
     *
     * @return the host
     */
    public String host() {
        return host;
    }

    /**
     * The server's port.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * True when {@value #URI_ENV} pointed the tests at a server this fixture does not own.
     *
     * @return whether the server is not this fixture's
     */
    public boolean isExternal() {
        return binary == null;
    }

    /**
     * Whether the server process is alive (always true for an external server).
     *
     * @return whether it runs
     */
    public synchronized boolean isRunning() {
        return isExternal() || process != null && process.isRunning();
    }

    /**
     * Kills the server and waits until its port refuses connections: clients now see an outage.
     * Nothing happens when it is not running. Aborts the calling test when the server is external.
     */
    public synchronized void stop() {
        requireOwned("stop");
        RedisProcess p = process;
        if (p == null) {
            return;
        }
        process = null;
        p.stop(); // SIGTERM: redis-server shuts down at once with nothing to save
        awaitPortClosed();
    }

    /**
     * Starts the server again on the same port (stopping it first if it runs), empty: nothing is
     * persisted. For tests of an outage and the recovery after it. Aborts the calling test when the
     * server is external.
     */
    public synchronized void restart() {
        requireOwned("restart");
        stop();
        launch();
    }

    /**
     * Starts the server again if a test stopped it, then deletes every key: the state each test of a
     * class that stages outages expects at its start.
     */
    public synchronized void reset() {
        if (!isRunning()) {
            restart();
        }
        flushAll();
    }

    /** Deletes every key in every database. */
    public void flushAll() {
        String reply = command("FLUSHALL");
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("FLUSHALL answered " + reply);
        }
    }

    /**
     * Sends one command on a new connection and renders the reply: a simple string or bulk string as
     * its text, an integer in decimal, an error as {@code "(error) MESSAGE"}, an array as {@code
     * "[a, b, [c, (nil)]]"} with {@code (nil)} for null elements; a null bulk string or array at the
     * top level gives {@code null}. For example {@code command("TTL", key)} gives {@code "1800"} and
     * {@code command("GET", "missing")} gives {@code null}.
     *
     * @param args the command and its arguments
     * @return the rendered reply
     * @throws UncheckedIOException when the server cannot be reached
     */
    public String command(String... args) {
        Object reply = reply(args);
        return reply == null ? null : RespConnection.render(reply);
    }

    /**
     * Sends one command and returns the parsed reply: {@code String} (simple or bulk), {@code Long},
     * {@link ErrorReply}, {@code List<Object>} of these (with nulls), or {@code null}.
     *
     * @param args the command and its arguments
     * @return the reply
     */
    public Object reply(String... args) {
        try (RespConnection connection = connect()) {
            return connection.reply((Object[]) args);
        }
    }

    /**
     * A connection of its own to this server (authenticated and on the URI's database for an external
     * one), for what one command per connection cannot do: {@code MONITOR}, {@code MULTI}, pipelining.
     * The caller closes it.
     *
     * @return the connection; the caller closes it
     * @throws UncheckedIOException when the server cannot be reached
     */
    public RespConnection connect() {
        RespConnection connection = RespConnection.open(host, port, SOCKET_TIMEOUT);
        try {
            if (password != null) {
                expectOk(user != null ? connection.reply("AUTH", user, password) : connection.reply("AUTH", password),
                        "AUTH");
            }
            if (database != 0) {
                expectOk(connection.reply("SELECT", Integer.toString(database)), "SELECT");
            }
            return connection;
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * Sends a command whose reply is an array and returns its elements rendered as by {@link
     * #command} (null elements stay {@code null}; a null array gives an empty list).
     *
     * @param args the command and its arguments
     * @return the elements
     * @throws IllegalStateException when the reply is an error or not an array
     */
    public List<String> commandList(String... args) {
        return RespConnection.renderList(reply(args), String.join(" ", args));
    }

    /**
     * Sends a command whose reply is a flat array of field/value pairs ({@code HGETALL}, {@code
     * CONFIG GET}) and returns them as an ordered map.
     *
     * @param args the command and its arguments
     * @return the pairs, in order
     */
    public Map<String, String> commandMap(String... args) {
        List<String> flat = commandList(args);
        if (flat.size() % 2 != 0) {
            throw new IllegalStateException(String.join(" ", args) + " answered an odd number of elements: " + flat);
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < flat.size(); i += 2) {
            map.put(flat.get(i), flat.get(i + 1));
        }
        return map;
    }

    /**
     * Sends a command whose reply is an integer ({@code TTL}, {@code PTTL}, {@code EXISTS}, {@code
     * DBSIZE}, ...) and returns it.
     *
     * @param args the command and its arguments
     * @return the integer
     * @throws IllegalStateException when the reply is anything else
     */
    public long commandLong(String... args) {
        return RespConnection.asLong(reply(args), String.join(" ", args));
    }

    /**
     * How often the server ran {@code command} (lower case, e.g. {@code "evalsha"}, {@code
     * "hgetall"}) since it started or since {@code CONFIG RESETSTAT}, from {@code INFO commandstats}.
     *
     * @param command a command name in lower case
     * @return the number of calls
     */
    public long calls(String command) {
        String prefix = "cmdstat_" + command.toLowerCase(Locale.ROOT) + ":";
        for (String line : command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                for (String part : line.substring(prefix.length()).split(",")) {
                    if (part.startsWith("calls=")) {
                        return Long.parseLong(part.substring("calls=".length()));
                    }
                }
            }
        }
        return 0;
    }

    /** Stops the server (a no-op for an external server). */
    @Override
    public void close() {
        if (!isExternal()) {
            stop();
        }
    }

    @Override
    public String toString() {
        return "RedisServer[" + uri + (isExternal() ? ", external" : ", " + binary) + "]";
    }

    /** An error reply ({@code -ERR ...}), as {@link #reply} returns it. */
    public record ErrorReply(String message) {
        @Override
        public String toString() {
            return "(error) " + message;
        }
    }

    // ---- process handling

    private void requireOwned(String operation) {
        if (isExternal()) {
            Assumptions.abort(operation + " needs a redis-server started by the test; " + URI_ENV
                    + " points at an external one");
        }
    }

    private synchronized void launch() {
        process = RedisProcess.launch("redis-server", workDir, port, List.of(
                "--port", Integer.toString(port),
                "--bind", FreePorts.LOOPBACK,
                "--save", "",
                "--appendonly", "no",
                "--protected-mode", "no",
                "--daemonize", "no",
                "--dir", workDir.toString()));
    }

    private void awaitPortClosed() {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 200);
            } catch (ConnectException e) {
                return;
            } catch (IOException e) {
                // timed out or reset: not conclusive, try again
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("port " + port + " still accepts connections after redis-server was stopped");
    }

    // ---- which binary

    /** The redis-server binary: the one on the PATH, else the one shipped in the embedded-redis jar. */
    static Path binary() {
        Path onPath = findOnPath("redis-server");
        return onPath != null ? onPath : extractedBinary();
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            try {
                Path candidate = Paths.get(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            } catch (RuntimeException e) {
                // an unusable PATH entry
            }
        }
        return null;
    }

    private static Path extractedBinary() {
        synchronized (BINARY_LOCK) {
            if (extractedBinary != null) {
                return extractedBinary;
            }
            String resource = embeddedResourceName();
            try (InputStream in = RedisServer.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no redis-server on the PATH and no " + resource
                            + " on the class path (is com.github.codemonstur:embedded-redis a test dependency?);"
                            + " install redis-server or set " + URI_ENV);
                }
                Path file = Files.createTempFile("stateless-redis-server-", "");
                file.toFile().deleteOnExit();
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
                extractedBinary = file;
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract " + resource, e);
            }
        }
    }

    private static String embeddedResourceName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        if (os.contains("linux") && x64) {
            return "redis-server-6.2.6-v5-linux-amd64";
        }
        if (os.contains("linux") && arm64) {
            return "redis-server-6.2.7-linux-arm64";
        }
        if (os.contains("mac") && x64) {
            return "redis-server-6.2.6-v5-darwin-amd64";
        }
        if (os.contains("mac") && arm64) {
            return "redis-server-6.2.6-v5-darwin-arm64";
        }
        throw new IllegalStateException("no redis-server on the PATH and no embedded binary for " + os + "/" + arch
                + "; install redis-server or set " + URI_ENV);
    }

    // ---- RESP

    private static void expectOk(Object reply, String command) {
        if (!"OK".equals(reply)) {
            throw new IllegalStateException(command + " answered " + RespConnection.render(reply));
        }
    }
}
