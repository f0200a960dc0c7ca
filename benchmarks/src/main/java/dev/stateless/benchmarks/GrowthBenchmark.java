package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.RespConnection;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.HdrHistogram.Histogram;

/**
 * Section 4: does {@link RedisSessionStore} slow down as Redis fills up? One redis-server, one
 * database per size, each filled with that many live sessions shaped like the benchmark's session
 * (a Lua loop fed with pipelined batches of key digests), then single-thread load and save latency
 * against every size, interleaved, and Redis memory per live session; then the same on a Redis
 * Cluster with few and with very many keys ({@link ClusterGrowth}).
 */
final class GrowthBenchmark {

    static final String TITLE = "4. Growth";

    private static final int BATCH = 1_000;
    private static final int PIPELINE = 8;
    private static final int SAMPLE = 10_000;
    private static final int SAVE_BASES = 1_000;
    /** "Flat": p50 latency at the largest size at most this many times the smallest size's, in the same round. */
    static final double FLAT = 1.25;

    private static final String FILL = """
            local prefix, ttl, nf = ARGV[1], ARGV[2], tonumber(ARGV[3])
            local fields = {}
            for i = 1, 2 * nf do fields[i] = ARGV[3 + i] end
            local n = 0
            for i = 4 + 2 * nf, #ARGV do
              local key = prefix .. 's:{' .. ARGV[i] .. '}'
              redis.call('HSET', key, unpack(fields))
              redis.call('PEXPIRE', key, ttl)
              n = n + 1
            end
            return n
            """;

    private final Mode mode;
    private final Consumer<String> log;
    private String redisVersion = "?";

    GrowthBenchmark(Mode mode, Consumer<String> log) {
        this.mode = mode;
        this.log = log;
    }

    String redisVersion() {
        return redisVersion;
    }

    static final class Size {
        final int sessions;
        final int database;
        /** Live keys the store works among (the sessions, or on the Cluster sessions and filler). */
        long keys;
        /** Redis CPU seconds so far (every server the store talks to). */
        DoubleSupplier redisCpu;
        RedisSessionStore store;
        SessionId[] sample;
        SessionData[] bases;
        double bytesPerSession;
        double fillSeconds;

        Size(int sessions, int database) {
            this.sessions = sessions;
            this.database = database;
            this.keys = sessions;
        }
    }

    static final class Cell {
        final Size size;
        final boolean save;
        /** How many sessions the cell goes through in turn: the same number at every size, except in the wide cell. */
        final int hot;
        /** The extra load cell at the largest size that goes through every sampled session. */
        final boolean wide;
        final List<Double> perSecond = new ArrayList<>();
        final List<Double> ratio = new ArrayList<>();
        final List<Double> p50s = new ArrayList<>();
        final List<Double> p99s = new ArrayList<>();
        final List<Double> p50Ratio = new ArrayList<>();
        final List<Double> p99Ratio = new ArrayList<>();
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long ops;
        long failures;
        double redisCpuSeconds;
        int cursor;

        /** A load or save cell going through the same {@link #SAVE_BASES} sessions (or fewer, if the size has fewer) at every size. */
        Cell(Size size, boolean save) {
            this(size, save, size.bases.length, false);
        }

        private Cell(Size size, boolean save, int hot, boolean wide) {
            this.size = size;
            this.save = save;
            this.hot = hot;
            this.wide = wide;
        }

        /** A load cell going through every sampled session of {@code size}, to show what more active sessions cost. */
        static Cell wide(Size size) {
            return new Cell(size, false, size.sample.length, true);
        }

        String operation() {
            return save ? "save" : wide ? "load, " + Fmt.count(hot) + " sessions in turn" : "load";
        }

        /** The cells of the target: the last size's load and save, not the wide cell. */
        static Cell last(List<Cell> cells, boolean save) {
            for (int i = cells.size() - 1; i >= 0; i--) {
                if (cells.get(i).save == save && !cells.get(i).wide) {
                    return cells.get(i);
                }
            }
            throw new IllegalStateException("no " + (save ? "save" : "load") + " cell");
        }
    }

    /** The cells of one set of sizes: a load and a save per size, then the wide load of the largest if it samples more. */
    static List<Cell> cells(List<Size> sizes) {
        List<Cell> cells = new ArrayList<>();
        for (Size size : sizes) {
            cells.add(new Cell(size, false));
            cells.add(new Cell(size, true));
        }
        Size largest = sizes.get(sizes.size() - 1);
        if (largest.sample.length > largest.bases.length) {
            cells.add(Cell.wide(largest));
        }
        return cells;
    }

    Section run() throws Exception {
        List<Size> sizes = new ArrayList<>();
        Section standalone;
        try (RedisNode redis = RedisNode.start()) {
            try {
                standalone = measure(redis, sizes);
            } finally {
                for (Size size : sizes) {
                    if (size.store != null) {
                        size.store.close(); // before the server goes away
                    }
                }
            }
        }
        // after the single server is gone: the two never hold their memory at the same time
        ClusterGrowth.Result cluster = new ClusterGrowth(mode, log).run(sizes.get(sizes.size() - 1).bytesPerSession);
        List<Target> targets = new ArrayList<>(standalone.targets());
        targets.add(cluster.target());
        return new Section(TITLE, standalone.markdown() + "\n" + cluster.markdown(), targets);
    }

    private Section measure(RedisNode redis, List<Size> sizes) throws Exception {
        redisVersion = redis.version();
        AttributeCodec codec = AttributeCodec.json();
        List<Object> template = template(redis, codec);
        long templateBytes = 0;
        for (int i = 0; i < mode.growthSizes().size(); i++) {
            Size size = new Size(mode.growthSizes().get(i), i + 1);
            sizes.add(size);
            log.accept("growth: filling " + Fmt.count(size.sessions) + " sessions");
            fill(redis, size, template);
            size.store = RedisSessionStore.builder(redis.uri(size.database)).build();
            size.redisCpu = () -> redis.snapshot().cpuSeconds();
            size.bases = bases(size);
        }
        try (RespConnection db0 = redis.connect()) {
            templateBytes = (Long) db0.call("MEMORY", "USAGE", "stateless:s:{template}", "SAMPLES", "0");
        }
        List<Cell> cells = cells(sizes);
        rounds(mode, log, "growth", cells, codec);
        return report(cells, sizes, templateBytes);
    }

    /**
     * Warm-up, then {@code mode.rounds()} interleaved rounds over {@code cells} (load and save per
     * size, the smallest size first), each cell's figures also as ratios to the smallest size's in
     * the same round.
     */
    static void rounds(Mode mode, Consumer<String> log, String name, List<Cell> cells, AttributeCodec codec) {
        log.accept(name + ": warm-up");
        for (int pass = 0; pass < 2; pass++) {
            for (Cell cell : cells) {
                slice(cell, codec, mode.growthSlice().toNanos(), false);
            }
        }
        for (int round = 0; round < mode.rounds(); round++) {
            Map<Cell, Double> measured = new LinkedHashMap<>();
            for (int i = 0; i < cells.size(); i++) {
                Cell cell = cells.get((i + round) % cells.size());
                measured.put(cell, slice(cell, codec, mode.growthSlice().toNanos(), true));
            }
            for (Cell cell : cells) {
                Cell baseline = cells.get(cell.save ? 1 : 0);
                cell.perSecond.add(measured.get(cell));
                cell.ratio.add(measured.get(cell) / measured.get(baseline));
                int last = cell.p50s.size() - 1;
                cell.p50Ratio.add(cell.p50s.get(last) / baseline.p50s.get(last));
                cell.p99Ratio.add(cell.p99s.get(last) / baseline.p99s.get(last));
            }
            log.accept(name + ": round " + (round + 1) + "/" + mode.rounds());
        }
    }

    /** Save bases: loaded copies of the first sampled sessions. */
    static SessionData[] bases(Size size) {
        List<SessionData> bases = new ArrayList<>();
        for (int k = 0; k < Math.min(SAVE_BASES, size.sample.length); k++) {
            bases.add(size.store.load(size.sample[k]).orElseThrow(
                    () -> new IllegalStateException("a filled session cannot be loaded")));
        }
        return bases.toArray(new SessionData[0]);
    }

    /**
     * Flat: at the largest size, the median over rounds of the p50 ratio to the smallest size is
     * at most {@link #FLAT}, for load and for save.
     */
    static Target flatTarget(String what, List<Cell> cells) {
        Cell smallLoad = cells.get(0);
        Cell bigLoad = Cell.last(cells, false);
        Cell bigSave = Cell.last(cells, true);
        double load = Fmt.median(bigLoad.p50Ratio);
        double save = Fmt.median(bigSave.p50Ratio);
        boolean failures = cells.stream().anyMatch(c -> c.failures > 0);
        String measured = "p50 load " + Fmt.ratio(bigLoad.p50Ratio) + ", save " + Fmt.ratio(bigSave.p50Ratio)
                + " at " + Fmt.count(bigLoad.size.keys) + " vs " + Fmt.count(smallLoad.size.keys) + " (p99 load "
                + Fmt.ratio(Fmt.median(bigLoad.p99Ratio)) + ", save " + Fmt.ratio(Fmt.median(bigSave.p99Ratio)) + ")";
        return new Target(TITLE, what, "p50 ≤ " + Fmt.ratio(FLAT) + " smallest", measured,
                !failures && load <= FLAT + 1e-9 && save <= FLAT + 1e-9);
    }

    /** How the cells pick their sessions, for a section's opening paragraph. */
    static String hotSetText(List<Cell> cells) {
        StringBuilder text = new StringBuilder("each cell going through the same ").append(Fmt.count(cells.get(0).hot))
                .append(" sessions in turn at every size (the sizes differ only in what else Redis holds)");
        cells.stream().filter(c -> c.wide).findFirst().ifPresent(wide -> text.append("; the last row loads ")
                .append(Fmt.count(wide.hot)).append(" sessions of the largest size in turn instead, to show what more active sessions cost"));
        return text.append(", ").toString();
    }

    /**
     * What the wide cell measured: its p50 and Redis CPU against the largest size's plain load cell,
     * per round, so that the keyspace's size and the number of active sessions are told apart.
     */
    static String wideNote(List<Cell> cells) {
        Cell wide = cells.stream().filter(c -> c.wide).findFirst().orElse(null);
        if (wide == null) {
            return "";
        }
        Cell load = Cell.last(cells, false);
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(wide.p50s.size(), load.p50s.size()); i++) {
            ratios.add(wide.p50s.get(i) / load.p50s.get(i));
        }
        return "\nActive sessions, not stored ones: at " + Fmt.count(load.size.keys) + " keys, loading "
                + Fmt.count(wide.hot) + " sessions in turn instead of " + Fmt.count(load.hot) + " takes "
                + Fmt.ratio(ratios) + " the p50 latency (same rounds) and " + Fmt.perOp(wide.redisCpuSeconds * 1e6 / wide.ops)
                + " µs of Redis CPU per load instead of " + Fmt.perOp(load.redisCpuSeconds * 1e6 / load.ops)
                + ": the server reads " + Fmt.count(wide.hot) + " hashes of about 1.6 KB in turn instead of " + Fmt.count(load.hot)
                + ", so more of them have left the CPU's caches by the time the same one is read again. That cost follows how "
                + "many sessions are in use at once, whatever the number stored; the other rows, which differ only in the "
                + "number stored, are flat.\n";
    }

    /** One real session written by the store; its hash fields are what every filled session gets. */
    private static List<Object> template(RedisNode redis, AttributeCodec codec) {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri(0)).build()) {
            SessionChanges.Builder changes = SessionChanges.to(store.newSession());
            SessionAttributes.values(0).forEach((name, value) -> changes.set(name, codec.encode(value)));
            SessionChanges built = changes.build();
            store.save(built);
            String key = "stateless:s:{" + built.id().digest() + "}";
            @SuppressWarnings("unchecked")
            List<Object> fields = (List<Object>) redis.admin().call("HGETALL", key);
            redis.admin().call("RENAME", key, "stateless:s:{template}");
            return fields;
        }
    }

    private void fill(RedisNode redis, Size size, List<Object> template) {
        SplittableRandom random = new SplittableRandom(size.sessions);
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        int sampled = Math.min(SAMPLE, size.sessions);
        size.sample = new SessionId[sampled];
        int sampleEvery = Math.max(1, size.sessions / sampled);
        long start = System.nanoTime();
        try (RespConnection connection = redis.connect()) {
            connection.call("SELECT", size.database);
            String sha = (String) connection.call("SCRIPT", "LOAD", FILL);
            long before = redis.usedMemory();
            List<Object[]> pending = new ArrayList<>();
            List<Object> batch = new ArrayList<>();
            byte[] bytes = new byte[32];
            int kept = 0;
            for (int n = 0; n < size.sessions; n++) {
                for (int b = 0; b < bytes.length; b += 8) {
                    long r = random.nextLong();
                    for (int j = 0; j < 8; j++) {
                        bytes[b + j] = (byte) (r >>> (8 * j));
                    }
                }
                SessionId id = SessionId.parse(encoder.encodeToString(bytes)).orElseThrow();
                if (n % sampleEvery == 0 && kept < sampled) {
                    size.sample[kept++] = id;
                }
                batch.add(id.digest());
                if (batch.size() == BATCH || n == size.sessions - 1) {
                    List<Object> args = new ArrayList<>();
                    args.add("EVALSHA");
                    args.add(sha);
                    args.add("0");
                    args.add("stateless:");
                    args.add("1800000");
                    args.add(Integer.toString(template.size() / 2));
                    args.addAll(template);
                    args.addAll(batch);
                    pending.add(args.toArray());
                    batch.clear();
                    if (pending.size() == PIPELINE || n == size.sessions - 1) {
                        for (Object reply : connection.pipeline(pending)) {
                            if (reply instanceof RedisServer.ErrorReply e) {
                                throw new IllegalStateException("filling the growth database: " + e.message());
                            }
                        }
                        pending.clear();
                    }
                }
            }
            if (kept < sampled) {
                size.sample = java.util.Arrays.copyOf(size.sample, kept);
            }
            long dbsize = connection.number("DBSIZE");
            if (dbsize != size.sessions) {
                throw new IllegalStateException("filled " + dbsize + " sessions, wanted " + size.sessions);
            }
            size.bytesPerSession = (double) (redis.usedMemory() - before) / size.sessions;
        }
        size.fillSeconds = (System.nanoTime() - start) / 1e9;
    }

    static double slice(Cell cell, AttributeCodec codec, long nanos, boolean record) {
        double cpuBefore = record ? cell.size.redisCpu.getAsDouble() : 0;
        Size size = cell.size;
        long start = System.nanoTime();
        long end = start;
        long deadline = start + nanos;
        long ops = 0;
        cell.latency.reset();
        while (end < deadline) {
            int k = cell.cursor++;
            long begin = System.nanoTime();
            boolean ok;
            if (cell.save) {
                SessionData base = size.bases[k % cell.hot];
                ok = size.store.save(SessionChanges.to(base).set(SessionAttributes.COUNTER, codec.encode((long) k)).build());
            } else {
                ok = size.store.load(size.sample[k % cell.hot]).isPresent();
            }
            end = System.nanoTime();
            if (record) {
                cell.latency.recordValue(Math.min(end - begin, TimeUnit.SECONDS.toNanos(60)));
                if (!ok) {
                    cell.failures++;
                }
            }
            ops++;
        }
        if (record) {
            cell.ops += ops;
            cell.redisCpuSeconds += cell.size.redisCpu.getAsDouble() - cpuBefore;
            cell.p50s.add((double) cell.latency.getValueAtPercentile(50));
            cell.p99s.add((double) cell.latency.getValueAtPercentile(99));
        }
        return ops / ((end - start) / 1e9);
    }

    private Section report(List<Cell> cells, List<Size> sizes, long templateBytes) {
        StringBuilder md = new StringBuilder();
        md.append("One `redis-server`, one database per size, filled with live sessions shaped like section 1's session ")
                .append("(the hash of a real session written by `RedisSessionStore`, under random session ids; TTL 30 min), ")
                .append("then `RedisSessionStore.load` and `save` of a one-attribute change, ")
                .append(hotSetText(cells))
                .append("one thread, ").append(mode.rounds()).append(" interleaved rounds of ").append(mode.growthSlice().toMillis())
                .append(" ms per cell; × smallest: the ratio to the smallest size in the same round.\n\n");
        md.append("| live sessions | operation | ops/s | × smallest | p50 µs (× smallest) | p99 µs (× smallest) | Redis CPU µs/op | failures |\n");
        md.append("|--:|---|--:|--:|--:|--:|--:|--:|\n");
        for (Cell cell : cells) {
            md.append("| ").append(Fmt.count(cell.size.sessions)).append(" | ").append(cell.operation())
                    .append(" | ").append(Fmt.count(Fmt.median(cell.perSecond)))
                    .append(" | ").append(Fmt.ratio(cell.ratio))
                    .append(" | ").append(Fmt.micros(Fmt.median(cell.p50s))).append(" (").append(Fmt.ratio(Fmt.median(cell.p50Ratio))).append(")")
                    .append(" | ").append(Fmt.micros(Fmt.median(cell.p99s))).append(" (").append(Fmt.ratio(Fmt.median(cell.p99Ratio))).append(")")
                    .append(" | ").append(Fmt.perOp(cell.redisCpuSeconds * 1e6 / cell.ops))
                    .append(" | ").append(cell.failures).append(" |\n");
        }
        md.append("\n| live sessions | Redis memory per live session (used_memory delta / sessions) | filled in |\n|--:|--:|--:|\n");
        for (Size size : sizes) {
            md.append("| ").append(Fmt.count(size.sessions)).append(" | ").append(Fmt.bytes(size.bytesPerSession))
                    .append(" bytes | ").append(String.format(java.util.Locale.ROOT, "%.1f s", size.fillSeconds)).append(" |\n");
        }
        md.append("\n`MEMORY USAGE` of one such session hash: ").append(Fmt.bytes(templateBytes))
                .append(" bytes; the rest of the per-session figure is the keyspace's own overhead (dictionary entry, ")
                .append("expiry entry, key string).\n");
        md.append(wideNote(cells));
        md.append("\nFlat, here and on the Cluster below: at the largest size the p50 latency of load and of save is at most ")
                .append(Fmt.ratio(FLAT)).append(" the smallest size's (median of the per-round ratios), with no failure.\n");
        return new Section(TITLE, md.toString(), List.of(flatTarget("load and save latency flat on one server, "
                + Fmt.count(sizes.get(0).sessions) + " to " + Fmt.count(sizes.get(sizes.size() - 1).sessions) + " sessions", cells)));
    }
}
