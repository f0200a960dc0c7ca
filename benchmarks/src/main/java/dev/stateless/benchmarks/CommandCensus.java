package dev.stateless.benchmarks;

import dev.stateless.testing.RespConnection;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the commands a Redis server runs while it is watched with MONITOR, telling the commands a
 * client sent (top level: each is at most one round trip, fewer when pipelined) from those a Lua
 * script ran on the server ({@code [0 lua]} in the MONITOR stream). INFO commandstats cannot tell
 * the two apart: it counts both. MONITOR slows the server down, so it is used only in a separate,
 * short pass after the timed rounds.
 */
final class CommandCensus implements AutoCloseable {

    private final RedisNode redis;
    private final RespConnection monitor;
    private final Map<String, LongAdder> topLevel = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> inScripts = new ConcurrentHashMap<>();
    private final String marker = "census-end-" + UUID.randomUUID();
    private final CountDownLatch markerSeen = new CountDownLatch(1);
    private final Thread reader;

    private CommandCensus(RedisNode redis) {
        this.redis = redis;
        this.monitor = redis.connect();
        monitor.send("MONITOR");
        Object ok = monitor.read();
        if (!"OK".equals(ok)) {
            throw new IllegalStateException("MONITOR answered " + ok);
        }
        this.reader = new Thread(this::read, "command-census");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts watching; every command run from now on is counted until {@link #finish()}. */
    static CommandCensus watch(RedisNode redis) {
        return new CommandCensus(redis);
    }

    private void read() {
        try {
            while (true) {
                Object line = monitor.read();
                if (line instanceof String text) {
                    count(text);
                }
            }
        } catch (RuntimeException e) {
            // closed by finish()
        }
    }

    // 1700000000.123456 [0 127.0.0.1:50000] "EVALSHA" "..." / 1700000000.123456 [0 lua] "HGETALL" "..."
    private void count(String line) {
        int open = line.indexOf('[');
        int close = line.indexOf(']', open + 1);
        int q1 = line.indexOf('"', close + 1);
        int q2 = line.indexOf('"', q1 + 1);
        if (open < 0 || close < 0 || q1 < 0 || q2 < 0) {
            return;
        }
        String source = line.substring(open + 1, close);
        String command = line.substring(q1 + 1, q2).toLowerCase();
        if (command.equals("echo") && line.contains(marker)) {
            markerSeen.countDown();
            return;
        }
        boolean script = source.endsWith(" lua");
        (script ? inScripts : topLevel).computeIfAbsent(command, c -> new LongAdder()).increment();
    }

    /** Waits until every command sent so far was seen, stops watching, and returns the counts. */
    Counts finish() {
        redis.admin().call("ECHO", marker);
        try {
            if (!markerSeen.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("MONITOR did not show the end marker");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            close();
        }
        return new Counts(snapshot(topLevel), snapshot(inScripts));
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    @Override
    public void close() {
        monitor.close();
    }

    /** Commands seen, by lower-case name. */
    record Counts(Map<String, Long> topLevel, Map<String, Long> inScripts) {

        static final Counts NONE = new Counts(Map.of(), Map.of());

        long topLevelTotal() {
            return topLevel.values().stream().mapToLong(Long::longValue).sum();
        }

        long inScriptsTotal() {
            return inScripts.values().stream().mapToLong(Long::longValue).sum();
        }

        /** {@code "EVALSHA 2.00"} style: each top-level command's count per request. */
        String topLevelMix(long requests) {
            return mix(topLevel, requests);
        }

        String inScriptMix(long requests) {
            return mix(inScripts, requests);
        }

        private static String mix(Map<String, Long> counts, long requests) {
            if (counts.isEmpty() || requests == 0) {
                return "-";
            }
            StringBuilder text = new StringBuilder();
            counts.forEach((name, n) -> {
                if (text.length() > 0) {
                    text.append(", ");
                }
                text.append(name.toUpperCase()).append(' ').append(Fmt.perOp((double) n / requests));
            });
            return text.toString();
        }
    }
}
