package dev.stateless.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 * <pre>{@code
 * static RedisServer redis;
 * @BeforeAll static void startRedis() { redis = RedisServer.start(); }
 * @AfterAll static void stopRedis() { redis.close(); }
 * }</pre>
 *
 * <p>Thread-safe. A JVM shutdown hook kills every server process still running, so an aborted test
 * run leaves none behind.
 */
public final class RedisServer implements AutoCloseable {

    /** Environment variable that points the tests at an external server instead of starting one. */
    public static final String URI_ENV = "STATELESS_TEST_REDIS_URI";

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int SOCKET_TIMEOUT_MILLIS = 5_000;
    private static final int PROBE_TIMEOUT_MILLIS = 250;
    private static final int LOG_TAIL_LINES = 40;

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Object BINARY_LOCK = new Object();
    private static Path extractedBinary; // guarded by BINARY_LOCK

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(RedisServer::killAll, "redis-server-reaper"));
    }

    private final String uri;
    private final String host;
    private final int port;
    private final String user; // external server only; may be null
    private final String password; // external server only; may be null
    private final int database; // external server only
    private final Path binary; // null for an external server
    private final Path workDir; // null for an external server
    private final Path log; // null for an external server
    private Process process; // guarded by this

    private RedisServer(String uri, String host, int port, String user, String password, int database,
            Path binary, Path workDir, Path log) {
        this.uri = uri;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
        this.binary = binary;
        this.workDir = workDir;
        this.log = log;
    }

    /**
     * Starts a server on a free loopback port and waits until it answers {@code PING}, or returns
     * the external server named by {@value #URI_ENV}.
     *
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
            RedisServer server = owned(binary, freePort());
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
        try {
            Path workDir = Files.createTempDirectory("stateless-redis-" + port + "-");
            Path log = workDir.resolve("redis-server.log");
            workDir.toFile().deleteOnExit();
            log.toFile().deleteOnExit();
            return new RedisServer("redis://" + LOOPBACK + ":" + port, LOOPBACK, port, null, null, 0, binary,
                    workDir, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a working directory for redis-server", e);
        }
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
                password, database, null, null, null);
    }

    /** {@code redis://127.0.0.1:PORT} (or the external URI as given). */
    public String uri() {
        return uri;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** True when {@value #URI_ENV} pointed the tests at a server this fixture does not own. */
    public boolean isExternal() {
        return binary == null;
    }

    /** Whether the server process is alive (always true for an external server). */
    public synchronized boolean isRunning() {
        return isExternal() || process != null && process.isAlive();
    }

    /**
     * Kills the server and waits until its port refuses connections: clients now see an outage.
     * Nothing happens when it is not running. Aborts the calling test when the server is external.
     */
    public synchronized void stop() {
        requireOwned("stop");
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        kill(p);
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
     * @throws UncheckedIOException when the server cannot be reached
     */
    public String command(String... args) {
        Object reply = reply(args);
        return reply == null ? null : render(reply);
    }

    /**
     * Sends one command and returns the parsed reply: {@code String} (simple or bulk), {@code Long},
     * {@link ErrorReply}, {@code List<Object>} of these (with nulls), or {@code null}.
     */
    public Object reply(String... args) {
        return reply(SOCKET_TIMEOUT_MILLIS, args);
    }

    private Object reply(int timeoutMillis, String... args) {
        Objects.requireNonNull(args, "args");
        if (args.length == 0) {
            throw new IllegalArgumentException("a command needs at least its name");
        }
        try (Socket socket = connect(timeoutMillis)) {
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (password != null) {
                expectOk(exchange(out, in, user != null ? new String[] {"AUTH", user, password}
                        : new String[] {"AUTH", password}), "AUTH");
            }
            if (database != 0) {
                expectOk(exchange(out, in, "SELECT", Integer.toString(database)), "SELECT");
            }
            return exchange(out, in, args);
        } catch (IOException e) {
            throw new UncheckedIOException("redis at " + host + ":" + port + " did not answer " + args[0], e);
        }
    }

    /**
     * Sends a command whose reply is an array and returns its elements rendered as by {@link
     * #command} (null elements stay {@code null}; a null array gives an empty list).
     *
     * @throws IllegalStateException when the reply is an error or not an array
     */
    public List<String> commandList(String... args) {
        Object reply = reply(args);
        if (reply == null) {
            return List.of();
        }
        if (!(reply instanceof List<?> elements)) {
            throw new IllegalStateException(String.join(" ", args) + " answered " + render(reply) + ", not an array");
        }
        List<String> rendered = new ArrayList<>(elements.size());
        for (Object element : elements) {
            rendered.add(element == null ? null : render(element));
        }
        return Collections.unmodifiableList(rendered);
    }

    /**
     * Sends a command whose reply is a flat array of field/value pairs ({@code HGETALL}, {@code
     * CONFIG GET}) and returns them as an ordered map.
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
     * @throws IllegalStateException when the reply is anything else
     */
    public long commandLong(String... args) {
        Object reply = reply(args);
        if (reply instanceof Long value) {
            return value;
        }
        throw new IllegalStateException(String.join(" ", args) + " answered " + (reply == null ? "(nil)" : render(reply))
                + ", not an integer");
    }

    /**
     * How often the server ran {@code command} (lower case, e.g. {@code "evalsha"}, {@code
     * "hgetall"}) since it started or since {@code CONFIG RESETSTAT}, from {@code INFO commandstats}.
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
        List<String> commandLine = List.of(binary.toString(),
                "--port", Integer.toString(port),
                "--bind", LOOPBACK,
                "--save", "",
                "--appendonly", "no",
                "--protected-mode", "no",
                "--daemonize", "no",
                "--dir", workDir.toString());
        ProcessBuilder builder = new ProcessBuilder(commandLine)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = spawn(builder);
        RUNNING.add(p);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (true) {
                if (!p.isAlive()) {
                    RUNNING.remove(p);
                    throw failure("redis-server exited with code " + p.exitValue() + " during start");
                }
                if (answersAsProcess(p.pid())) {
                    process = p;
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    kill(p);
                    throw failure("redis-server did not answer PING within " + START_TIMEOUT.toSeconds() + " s");
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(p);
            throw new IllegalStateException("interrupted while starting redis-server", e);
        }
    }

    /** Starts a process, retrying briefly while a freshly extracted binary is still "busy". */
    static Process spawn(ProcessBuilder builder) {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return builder.start();
            } catch (IOException e) {
                // A binary extracted moments ago can be briefly "busy" if another thread forked
                // while its file was open for writing.
                last = e;
                if (e.getMessage() == null || !e.getMessage().contains("error=26")) {
                    break;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new UncheckedIOException("cannot run " + builder.command().get(0), last);
    }

    /**
     * Whether the port answers PING and belongs to our process (and not to some other server that
     * happens to hold the port while ours fails to bind it).
     */
    private boolean answersAsProcess(long pid) {
        try {
            // short timeouts: whatever else holds the port may accept connections and never answer
            if (!"PONG".equals(reply(PROBE_TIMEOUT_MILLIS, "PING"))) {
                return false;
            }
            Object info = reply(PROBE_TIMEOUT_MILLIS, "INFO", "server");
            return info instanceof String text && text.contains("process_id:" + pid + "\r\n");
        } catch (RuntimeException e) {
            // not listening yet, or something that does not speak RESP
            return false;
        }
    }

    private IllegalStateException failure(String what) {
        return new IllegalStateException(what + " (port " + port + ", " + binary + "); last lines of " + log + ":\n"
                + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).stream()
                    .collect(Collectors.joining("\n"));
        } catch (IOException | RuntimeException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void kill(Process p) {
        try {
            p.destroy(); // SIGTERM: redis-server shuts down at once with nothing to save
            if (!p.waitFor(STOP_TIMEOUT.toMillis() / 2, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toMillis() / 2, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(p);
        }
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

    private static void killAll() {
        for (Process p : RUNNING) {
            p.destroyForcibly();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
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

    private Socket connect(int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static Object exchange(OutputStream out, InputStream in, String... args) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : args) {
            byte[] bytes = Objects.requireNonNull(arg, "command arguments must not be null").getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes(new byte[] {'\r', '\n'});
        }
        out.write(request.toByteArray());
        out.flush();
        return read(in);
    }

    private static void expectOk(Object reply, String command) {
        if (!"OK".equals(reply)) {
            throw new IllegalStateException(command + " answered " + (reply == null ? "(nil)" : render(reply)));
        }
    }

    static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed before a reply");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new ErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                if (bytes.length != length || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("truncated bulk string");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> elements = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(read(in));
                }
                return Collections.unmodifiableList(elements);
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "' followed by " + line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside a reply");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("malformed RESP line ending");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    static String render(Object reply) {
        if (reply == null) {
            return "(nil)";
        }
        if (reply instanceof List<?> elements) {
            return elements.stream().map(RedisServer::render).collect(Collectors.joining(", ", "[", "]"));
        }
        return reply.toString();
    }
}
