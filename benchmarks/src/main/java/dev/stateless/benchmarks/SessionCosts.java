package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.testing.RespConnection;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.zip.Deflater;

/**
 * Explains variant B's figures: the CPU of each step of a request measured alone, and what the
 * same session would take in Redis in other layouts.
 */
final class SessionCosts {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SessionCosts() {
    }

    private record Step(double jvmMicros, double redisMicros) {
    }

    /** The steps as markdown, and the JVM CPU of the save's round trip alone (µs). */
    record Costs(String markdown, double saveJvmMicros) {
    }

    /** Each step of a {@code /rw} request, alone, one thread, sequentially. */
    static Costs measure(RedisSessionStore store, RedisNode redis, List<HttpCell> rw, Mode mode) {
        AttributeCodec codec = store.codec();
        Map<String, byte[]> encoded = new LinkedHashMap<>();
        SessionAttributes.values(0).forEach((name, value) -> encoded.put(name, codec.encode(value)));
        SessionChanges.Builder create = SessionChanges.to(store.newSession());
        encoded.forEach(create::set);
        SessionChanges created = create.build();
        store.save(created);
        SessionId id = created.id();
        SessionData base = store.load(id).orElseThrow();
        Object cart = codec.decode(encoded.get("cart"));
        Object recent = codec.decode(encoded.get("recentlyViewed"));
        long nanos = mode.isFull() ? 1_000_000_000L : mode.httpSlice().toNanos() / 2;
        long[] counter = {0};

        Step decode = threadCpu(nanos, () -> {
            boolean all = true;
            for (byte[] bytes : encoded.values()) {
                all &= codec.decode(bytes) != null;
            }
            return all;
        });
        Step reencode = threadCpu(nanos, () -> Arrays.equals(codec.encode(cart), encoded.get("cart"))
                & Arrays.equals(codec.encode(recent), encoded.get("recentlyViewed")));
        Step encodeCounter = threadCpu(nanos, () -> codec.encode(++counter[0]).length > 0);
        Step load = processCpu(nanos, redis, () -> store.load(id).isPresent());
        Step save = processCpu(nanos, redis, () -> store.save(
                SessionChanges.to(base).set(SessionAttributes.COUNTER, codec.encode(++counter[0])).build()));

        StringBuilder md = new StringBuilder();
        md.append("### 1e. Where B's CPU goes, step by step\n\n");
        md.append("Each step of a `/rw` request measured alone in this JVM, one thread, sequentially (no contention), ")
                .append(nanos / 1_000_000).append(" ms each. JVM CPU: the calling thread for the codec steps; for the ")
                .append("Redis calls the whole JVM (calling thread, Lettuce's event-loop thread, the kernel's work for ")
                .append("both). Redis CPU: that variant's redis-server.\n\n");
        md.append("| step | JVM CPU µs | Redis CPU µs |\n|---|--:|--:|\n");
        row(md, "decode the 10 attributes (JSON, on first `getAttribute`)", decode);
        row(md, "re-encode the 2 mutable values read (cart, recentlyViewed) to detect in-place changes", reencode);
        row(md, "encode the changed counter (`setAttribute`)", encodeCounter);
        row(md, "`RedisSessionStore.load`: one HGETALL round trip, reply parsed", load);
        row(md, "`RedisSessionStore.save`: one EVALSHA round trip", save);
        Step sum = new Step(decode.jvmMicros + reencode.jvmMicros + encodeCounter.jvmMicros + load.jvmMicros + save.jvmMicros,
                load.redisMicros + save.redisMicros);
        md.append("| **sum of the steps** | **").append(Fmt.perOp(sum.jvmMicros)).append("** | **")
                .append(Fmt.perOp(sum.redisMicros)).append("** |\n");
        HttpCell a = find(rw, "A");
        HttpCell b = find(rw, "B");
        if (a != null && b != null) {
            double extra = b.serverCpuMicrosPerRequest() - a.serverCpuMicrosPerRequest();
            md.append("| under load (section 1a): B's server CPU per `/rw` minus A's | ").append(Fmt.perOp(extra))
                    .append(" | ").append(Fmt.perOp(b.redisCpuMicrosPerRequest())).append(" |\n");
            double unexplained = extra - sum.jvmMicros;
            if (unexplained >= 0) {
                md.append("\nWhat the steps do not explain (").append(Fmt.perOp(unexplained))
                        .append(" µs) is what 16 concurrent requests add to the same work: hand-offs between Jetty's threads ")
                        .append("and Lettuce's single event-loop thread (a futex wake-up each way per round trip), scheduling, ")
                        .append("cache misses, the filter's own wrapping, and garbage collection.\n");
            } else {
                md.append("\nUnder load the same work costs less than the steps alone (").append(Fmt.perOp(-unexplained))
                        .append(" µs less, the filter's own wrapping included): a lone call pays every wake-up of Lettuce's ")
                        .append("event loop and every system call by itself, while with 16 concurrent requests the event loop ")
                        .append("reads and writes several commands per wake-up and its thread is seldom idle.\n");
            }
        }
        return new Costs(md.toString(), save.jvmMicros);
    }

    private static void row(StringBuilder md, String step, Step cost) {
        md.append("| ").append(step).append(" | ").append(Fmt.perOp(cost.jvmMicros)).append(" | ")
                .append(cost.redisMicros == 0 ? "-" : Fmt.perOp(cost.redisMicros)).append(" |\n");
    }

    private static HttpCell find(List<HttpCell> cells, String key) {
        return cells.stream().filter(c -> c.key.equals(key)).findFirst().orElse(null);
    }

    /** CPU of the calling thread per call (pure computation). */
    private static Step threadCpu(long nanos, BooleanSupplier step) {
        run(nanos / 2, step); // warm up
        long cpu = THREADS.getCurrentThreadCpuTime();
        long calls = run(nanos, step);
        return new Step((THREADS.getCurrentThreadCpuTime() - cpu) / 1e3 / calls, 0);
    }

    /** CPU of the whole JVM (minus the JIT) and of Redis per call (a call that involves other threads). */
    private static Step processCpu(long nanos, RedisNode redis, BooleanSupplier step) {
        run(nanos / 2, step);
        RedisNode.Snapshot before = redis.snapshot();
        long jit = ProcessCpu.jitNanos();
        long cpu = ProcessCpu.nanos();
        long calls = run(nanos, step);
        long used = ProcessCpu.nanos() - cpu - (ProcessCpu.jitNanos() - jit);
        double redisSeconds = redis.snapshot().cpuSince(before);
        return new Step(used / 1e3 / calls, redisSeconds * 1e6 / calls);
    }

    /** Calls {@code step} until {@code nanos} have passed (at least once); how many times. */
    static long run(long nanos, BooleanSupplier step) {
        long deadline = System.nanoTime() + nanos;
        long calls = 0;
        do {
            if (!step.getAsBoolean()) {
                throw new IllegalStateException("a measured step failed");
            }
            calls++;
        } while (System.nanoTime() < deadline);
        return calls;
    }

    /**
     * What one of B's sessions takes in Redis as it is, and what the same fields would take in other
     * layouts (written to scratch keys, measured, deleted); as markdown.
     */
    static String layouts(RedisNode redis, SessionBenchmark.Footprint springC) {
        RespConnection admin = redis.admin();
        String key = redis.keys().stream().filter(k -> k.startsWith("stateless:s:")).findFirst().orElse(null);
        if (key == null || springC == null) {
            return "";
        }
        @SuppressWarnings("unchecked")
        List<Object> flat = (List<Object>) admin.call("HGETALL", key);
        List<byte[]> fields = new ArrayList<>();
        for (Object o : flat) {
            fields.add(o.toString().getBytes(StandardCharsets.UTF_8)); // field names and JSON values are UTF-8
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        sizes.put("as stored: one hash, one field per attribute and per metadata item (`hashtable` encoding, since "
                + "values exceed `hash-max-ziplist-value` 64)", redis.memoryUsage(key));

        String scratch = "bench:what-if";
        @SuppressWarnings("unchecked")
        List<Object> setting = (List<Object>) admin.call("CONFIG", "GET", "hash-max-ziplist-value");
        String previous = setting.get(1).toString();
        admin.call("CONFIG", "SET", "hash-max-ziplist-value", "4096");
        try {
            admin.call(hset(scratch, fields));
            sizes.put("the same hash in the compact encoding (server setting `hash-max-ziplist-value 4096`; "
                    + admin.text("OBJECT", "ENCODING", scratch) + ")", redis.memoryUsage(scratch));
            admin.call("DEL", scratch);
        } finally {
            admin.call("CONFIG", "SET", "hash-max-ziplist-value", previous);
        }

        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        for (byte[] part : fields) {
            blob.writeBytes((part.length + ":").getBytes(StandardCharsets.US_ASCII));
            blob.writeBytes(part);
        }
        admin.call("SET", scratch, blob.toByteArray());
        sizes.put("all fields in one string value (length-prefixed)", redis.memoryUsage(scratch));
        admin.call("DEL", scratch);

        List<byte[]> deflated = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            byte[] part = fields.get(i);
            deflated.add(i % 2 == 1 && part.length > 256 ? deflate(part) : part);
        }
        admin.call(hset(scratch, deflated));
        sizes.put("the same hash with values over 256 bytes deflated", redis.memoryUsage(scratch));
        admin.call("DEL", scratch);

        StringBuilder md = new StringBuilder();
        md.append("What one of B's sessions takes in other layouts (the same field names and values, written to a ")
                .append("scratch key, measured with `MEMORY USAGE`, deleted):\n\n");
        md.append("| layout | bytes | × C |\n|---|--:|--:|\n");
        sizes.forEach((layout, bytes) -> md.append("| ").append(layout).append(" | ").append(Fmt.bytes(bytes))
                .append(" | ").append(Fmt.ratio(bytes / springC.bytesPerSession())).append(" |\n"));
        return md.toString();
    }

    private static Object[] hset(String key, List<byte[]> fields) {
        Object[] command = new Object[2 + fields.size()];
        command[0] = "HSET";
        command[1] = key;
        for (int i = 0; i < fields.size(); i++) {
            command[2 + i] = fields.get(i);
        }
        return command;
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
        deflater.setInput(data);
        deflater.finish();
        byte[] buffer = new byte[data.length + 64];
        int n = deflater.deflate(buffer);
        deflater.end();
        return Arrays.copyOf(buffer, n);
    }
}
