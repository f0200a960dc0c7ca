package dev.stateless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One {@code redis-server} process of a fixture: a {@link RedisServer}, or a cluster node, a master,
 * a replica or a sentinel of {@link RedisCluster} and {@link RedisSentinel}. The binary is {@link
 * RedisServer#binary()} (the {@code redis-server} on the {@code PATH}, else the one in the
 * embedded-redis jar), the RESP rendering {@link RespConnection}'s. Thread-safe; a JVM shutdown hook
 * kills every process still running, so an aborted test run leaves none behind.
 */
final class RedisProcess {

    static final String LOOPBACK = FreePorts.LOOPBACK;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);
    /** Short: whatever else holds the port may accept connections and never answer. */
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(RedisProcess::killAll, "redis-server-reaper"));
    }

    private final String name;
    private final int port;
    private final Path log;
    private volatile Process process;

    private RedisProcess(String name, int port, Path log) {
        this.name = name;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code redis-server ARGS...} in {@code workDir} (its output goes to {@code
     * NAME.log} there) and waits until it answers {@code PING} on {@code port} as this very process.
     *
     * @throws IllegalStateException when it exits or does not answer; the message holds the tail of
     *     its log (look for "Address already in use" to retry on another port)
     */
    static RedisProcess launch(String name, Path workDir, int port, List<String> args) {
        List<String> commandLine = new ArrayList<>();
        commandLine.add(binary().toString());
        commandLine.addAll(args);
        Path log = workDir.resolve(name + ".log");
        RedisProcess node = new RedisProcess(name, port, log);
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
                    throw node.failure(name + " exited with code " + p.exitValue() + " during start");
                }
                if (node.answersAsProcess(p.pid())) {
                    node.process = p;
                    return node;
                }
                if (System.nanoTime() - deadline > 0) {
                    destroy(p, true);
                    throw node.failure(name + " did not answer PING within " + START_TIMEOUT.toSeconds() + " s");
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroy(p, true);
            throw new IllegalStateException("interrupted while starting " + name, e);
        }
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** SIGKILL: the process dies at once, as in a crash, and keeps nothing. */
    void kill() {
        Process p = process;
        process = null;
        if (p != null) {
            destroy(p, true);
        }
    }

    /** SIGTERM, then SIGKILL if it lingers. */
    void stop() {
        Process p = process;
        process = null;
        if (p != null) {
            destroy(p, false);
        }
    }

    // ---- commands

    Object reply(String... args) {
        return reply(SOCKET_TIMEOUT, args);
    }

    String command(String... args) {
        Object reply = reply(args);
        return reply == null ? null : RespConnection.render(reply);
    }

    long commandLong(String... args) {
        return RespConnection.asLong(reply(args), name + ": " + String.join(" ", args));
    }

    List<String> commandList(String... args) {
        return RespConnection.renderList(reply(args), name + ": " + String.join(" ", args));
    }

    void expectOk(String... args) {
        Object reply = reply(args);
        if (!"OK".equals(reply)) {
            throw new IllegalStateException(name + ": " + String.join(" ", args.length > 4
                    ? List.of(args).subList(0, 4) : List.of(args)) + (args.length > 4 ? " ..." : "")
                    + " answered " + RespConnection.render(reply));
        }
    }

    /** The {@code key:value} lines of {@code INFO section} (or of {@code CLUSTER INFO}). */
    Map<String, String> info(String... command) {
        Map<String, String> fields = new LinkedHashMap<>();
        String text = command(command);
        if (text == null) {
            return fields;
        }
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    private Object reply(Duration timeout, String... args) {
        try (RespConnection connection = RespConnection.open(LOOPBACK, port, timeout)) {
            return connection.reply((Object[]) args);
        }
    }

    private boolean answersAsProcess(long pid) {
        try {
            if (!"PONG".equals(reply(PROBE_TIMEOUT, "PING"))) {
                return false;
            }
            Object info = reply(PROBE_TIMEOUT, "INFO", "server");
            return info instanceof String text && text.contains("process_id:" + pid + "\r\n");
        } catch (RuntimeException e) {
            return false; // not listening yet, or not ours
        }
    }

    IllegalStateException failure(String what) {
        return new IllegalStateException(what + " (port " + port + ", " + binary() + "); last lines of " + log + ":\n"
                + logTail());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).stream()
                    .collect(Collectors.joining("\n"));
        } catch (IOException | RuntimeException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + "@" + LOOPBACK + ":" + port;
    }

    // ---- processes and ports

    /** Starts a process, retrying briefly while a freshly extracted binary is still "busy". */
    private static Process spawn(ProcessBuilder builder) {
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

    private static void destroy(Process p, boolean forcibly) {
        try {
            if (forcibly) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(p);
        }
    }

    private static void killAll() {
        for (Process p : RUNNING) {
            p.destroyForcibly();
        }
    }

    static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a working directory for redis-server", e);
        }
    }

    /** Deletes a fixture's working directory (logs, node configs, RDB files); best effort. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Collections.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // leave it to the OS's temp cleanup
        }
    }

    static Path binary() {
        return RedisServer.binary();
    }
}
