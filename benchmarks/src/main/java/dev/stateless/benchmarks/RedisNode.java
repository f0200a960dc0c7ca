package dev.stateless.benchmarks;

import dev.stateless.testing.FreePorts;
import dev.stateless.testing.RespConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One real {@code redis-server} on loopback, started from the binary shipped in the
 * {@code com.github.codemonstur:embedded-redis} jar. Every Redis-backed variant gets its own server,
 * so that its command counts, its CPU and its memory are its own, and no variant pays for another
 * one's server settings (Spring's indexed repository turns on keyspace notifications).
 */
final class RedisNode implements AutoCloseable {

    private final redis.embedded.RedisServer server;
    private final int port;
    private final RespConnection admin;

    private RedisNode(redis.embedded.RedisServer server, int port) {
        this.server = server;
        this.port = port;
        this.admin = connect();
    }

    static RedisNode start() {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = FreePorts.loopback();
            try {
                redis.embedded.RedisServer server = redis.embedded.RedisServer.newRedisServer()
                        .port(port)
                        .bind("127.0.0.1")
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .setting("databases 16")
                        .build();
                server.start();
                return new RedisNode(server, port);
            } catch (IOException e) {
                last = e; // the port was taken between the probe and the bind: try another
            }
        }
        throw new UncheckedIOException("cannot start redis-server", last);
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    String uri(int database) {
        return uri() + "/" + database;
    }

    /**
     * A connection of the harness's own: plain RESP, so that what it asks (INFO, MEMORY USAGE,
     * filling the growth database, MONITOR) never goes through a client under test. Reads wait up to
     * ten minutes (a MONITOR stream, a long fill). The caller closes it.
     */
    RespConnection connect() {
        return RespConnection.open(FreePorts.LOOPBACK, port, Duration.ofMinutes(10));
    }

    /** The harness's own connection (not thread-safe: one caller at a time). */
    RespConnection admin() {
        return admin;
    }

    String version() {
        return info("server").getOrDefault("redis_version", "?");
    }

    /** One INFO section as key/value pairs. */
    Map<String, String> info(String section) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : admin.text("INFO", section).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return values;
    }

    /** What the server has done so far: calls per command and CPU seconds. */
    Snapshot snapshot() {
        Map<String, Long> calls = new HashMap<>();
        info("commandstats").forEach((key, value) -> {
            if (key.startsWith("cmdstat_")) {
                String name = key.substring("cmdstat_".length());
                for (String part : value.split(",")) {
                    if (part.startsWith("calls=")) {
                        calls.put(name, Long.parseLong(part.substring("calls=".length())));
                    }
                }
            }
        });
        Map<String, String> cpu = info("cpu");
        double system = Double.parseDouble(cpu.get("used_cpu_sys"));
        return new Snapshot(calls, Double.parseDouble(cpu.get("used_cpu_user")) + system, system);
    }

    long usedMemory() {
        return Long.parseLong(info("memory").get("used_memory"));
    }

    /** Every key in the current database (SCAN: fine for the harness, never done by the library). */
    List<String> keys() {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            @SuppressWarnings("unchecked")
            List<Object> reply = (List<Object>) admin.call("SCAN", cursor, "COUNT", "1000");
            cursor = (String) reply.get(0);
            for (Object key : (List<?>) reply.get(1)) {
                keys.add((String) key);
            }
        } while (!cursor.equals("0"));
        return keys;
    }

    /** MEMORY USAGE of a key, every element counted (SAMPLES 0). */
    long memoryUsage(String key) {
        Object reply = admin.call("MEMORY", "USAGE", key, "SAMPLES", "0");
        return reply == null ? 0 : (Long) reply;
    }

    /** For a hash: the bytes of its field names and values (what a client wrote); 0 for other types. */
    long hashPayload(String key) {
        if (!"hash".equals(admin.text("TYPE", key))) {
            return 0;
        }
        long bytes = 0;
        for (Object field : (List<?>) admin.call("HKEYS", key)) {
            bytes += field.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            bytes += admin.number("HSTRLEN", key, field);
        }
        return bytes;
    }

    @Override
    public void close() {
        admin.close();
        try {
            server.stop();
        } catch (IOException e) {
            // the process dies with the JVM anyway
        }
    }

    /** Counters of a server at one moment. */
    record Snapshot(Map<String, Long> calls, double cpuSeconds, double systemSeconds) {

        /** Commands run between {@code before} and this, by name, without the harness's own INFO. */
        Map<String, Long> callsSince(Snapshot before) {
            Map<String, Long> delta = new HashMap<>();
            calls.forEach((name, n) -> {
                long d = n - before.calls.getOrDefault(name, 0L);
                if (d > 0 && !name.equals("info")) {
                    delta.put(name, d);
                }
            });
            return delta;
        }

        double cpuSince(Snapshot before) {
            return cpuSeconds - before.cpuSeconds;
        }

        double systemSince(Snapshot before) {
            return systemSeconds - before.systemSeconds;
        }
    }
}
