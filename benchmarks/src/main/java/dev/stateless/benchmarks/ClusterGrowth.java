package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.testing.FreePorts;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.RespConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The growth section's Cluster part: the same load and save latency on a three-master {@link
 * RedisCluster} holding few keys and one holding many (10^7 in the full run), side by side in
 * interleaved rounds. The big one holds real sessions written by {@link RedisSessionStore} and,
 * around them, small filler keys with the sessions' TTL, spread evenly over all 16384 slots (10^7
 * sessions of section 1's shape would need about 19 GB). What a lookup pays for is the size of each
 * master's keyspace (its main and expires hash tables), which the filler gives in full.
 */
final class ClusterGrowth {

    /** Redis memory the filler may take on all masters together (the machine is shared). */
    private static final long MEMORY_CAP = (5L << 30) / 2;
    private static final long TTL_MILLIS = Duration.ofMinutes(30).toMillis();
    /**
     * Filler keys per Lua call: short enough (tens of ms) that a master busy filling still answers
     * the cluster bus in time on a loaded machine (node timeout 2 s), else the Cluster goes down.
     */
    private static final int KEYS_PER_CALL = 10_000;
    private static final int SAVES_IN_FLIGHT = 100;

    private static final String FILL = """
            local ttl = ARGV[1]
            local n = 0
            for i = 2, #ARGV, 2 do
              local prefix = 'filler:{' .. ARGV[i] .. '}:'
              for k = 1, tonumber(ARGV[i + 1]) do
                redis.call('SET', prefix .. k, '1', 'PX', ttl)
              end
              n = n + tonumber(ARGV[i + 1])
            end
            return n
            """;

    private final Mode mode;
    private final Consumer<String> log;

    ClusterGrowth(Mode mode, Consumer<String> log) {
        this.mode = mode;
        this.log = log;
    }

    /** What the section gets: its markdown and its target. */
    record Result(String markdown, Target target) {
    }

    /** Keys on the small and on the big Cluster. */
    private List<Long> sizes() {
        return switch (mode.name()) {
            case "full" -> List.of(1_000L, 10_000_000L);
            case "quick" -> List.of(1_000L, 100_000L);
            default -> List.of(100L, 1_000L);
        };
    }

    /** Real sessions on a Cluster of {@code keys} keys (the rest is filler). */
    private int sessions(long keys) {
        int cap = switch (mode.name()) {
            case "full" -> 10_000;
            case "quick" -> 1_000;
            default -> 100;
        };
        return (int) Math.min(keys, cap);
    }

    /**
     * @param bytesPerSession Redis memory per live session on the single server, to say what a
     *     Cluster of full sessions would need
     */
    Result run(double bytesPerSession) throws Exception {
        List<RedisCluster> clusters = new ArrayList<>();
        List<GrowthBenchmark.Size> sizes = new ArrayList<>();
        try {
            AttributeCodec codec = AttributeCodec.json();
            long planned = 0;
            long fillerBytes = 0;
            long filler = 0;
            double fillSeconds = 0;
            for (long keys : sizes()) {
                log.accept("growth: a Cluster with " + Fmt.count(keys) + " keys");
                RedisCluster cluster = RedisCluster.start();
                clusters.add(cluster);
                int real = sessions(keys);
                GrowthBenchmark.Size size = new GrowthBenchmark.Size(real, 0);
                sizes.add(size);
                // written by a store of their own with a patient timeout (a loaded machine, a Cluster just formed)
                try (RedisSessionStore writer = RedisSessionStore.builder(cluster.uri()).commandTimeout(Duration.ofSeconds(30)).build()) {
                    writeSessions(writer, size, codec);
                }
                size.store = RedisSessionStore.builder(cluster.uri()).build();
                size.redisCpu = () -> cpuSeconds(cluster);
                planned = keys;
                if (keys > real) {
                    long before = usedMemory(cluster);
                    long start = System.nanoTime();
                    fill(cluster, keys - real);
                    fillSeconds = (System.nanoTime() - start) / 1e9;
                    filler = total(cluster) - real;
                    fillerBytes = filler == 0 ? 0 : (usedMemory(cluster) - before) / filler;
                }
                size.keys = total(cluster);
                size.bases = GrowthBenchmark.bases(size);
            }
            List<GrowthBenchmark.Cell> cells = GrowthBenchmark.cells(sizes);
            GrowthBenchmark.rounds(mode, log, "growth on the Cluster", cells, codec);
            return report(cells, sizes, clusters.get(clusters.size() - 1), planned, filler, fillerBytes, fillSeconds, bytesPerSession);
        } finally {
            for (GrowthBenchmark.Size size : sizes) {
                if (size.store != null) {
                    size.store.close();
                }
            }
            clusters.forEach(RedisCluster::close);
        }
    }

    /** Real sessions, written by the store ({@code saveAsync} in batches, so that a loaded machine fills them in seconds). */
    private static void writeSessions(RedisSessionStore writer, GrowthBenchmark.Size size, AttributeCodec codec) {
        size.sample = new SessionId[size.sessions];
        List<CompletableFuture<Long>> pending = new ArrayList<>();
        for (int n = 0; n < size.sessions; n++) {
            SessionChanges.Builder changes = SessionChanges.to(writer.newSession());
            SessionAttributes.values(n).forEach((name, value) -> changes.set(name, codec.encode(value)));
            SessionChanges built = changes.build();
            pending.add(writer.saveAsync(built));
            size.sample[n] = built.id();
            if (pending.size() == SAVES_IN_FLIGHT || n == size.sessions - 1) {
                for (CompletableFuture<Long> save : pending) {
                    if (save.join() <= 0) {
                        throw new IllegalStateException("a new session was not saved");
                    }
                }
                pending.clear();
            }
        }
    }

    /**
     * {@code count} filler keys spread evenly over all slots, each master filling its own slots
     * (a Lua loop per batch, the masters in parallel); stops early when the masters' memory reaches
     * {@link #MEMORY_CAP}.
     */
    private void fill(RedisCluster cluster, long count) throws Exception {
        String[] tags = slotTags(cluster);
        List<Integer> ports = cluster.ports();
        ExecutorService pool = Executors.newFixedThreadPool(ports.size());
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int port : ports) {
                int[] range = cluster.slotRange(port);
                long capPerNode = MEMORY_CAP / ports.size();
                done.add(pool.submit(() -> fillNode(cluster, port, range, tags, count, capPerNode)));
            }
            for (Future<Long> node : done) {
                node.get();
            }
            cluster.awaitOk(Duration.ofSeconds(30));
        } finally {
            pool.shutdownNow();
        }
    }

    private long fillNode(RedisCluster cluster, int port, int[] range, String[] tags, long count, long memoryCap) {
        long base = count / RedisCluster.SLOTS;
        long extra = count % RedisCluster.SLOTS;
        long written = 0;
        try (RespConnection connection = RespConnection.open(FreePorts.LOOPBACK, port, Duration.ofMinutes(10))) {
            String sha = connection.text("SCRIPT", "LOAD", FILL);
            List<Object> args = new ArrayList<>();
            long inCall = 0;
            for (int slot = range[0]; slot <= range[1]; slot++) {
                long keys = base + (slot < extra ? 1 : 0);
                if (keys > 0) {
                    args.add(tags[slot]);
                    args.add(Long.toString(keys));
                    inCall += keys;
                }
                if (inCall > 0 && (inCall >= KEYS_PER_CALL || slot == range[1])) {
                    written += fillCall(cluster, connection, sha, args);
                    args.clear();
                    inCall = 0;
                    if (used(connection) > memoryCap) {
                        log.accept("growth: master " + port + " reached the memory cap after " + Fmt.count(written) + " filler keys");
                        return written;
                    }
                }
            }
            if (inCall > 0) {
                written += fillCall(cluster, connection, sha, args);
            }
        }
        return written;
    }

    /** One batch; after a CLUSTERDOWN (a master starved of CPU missed the node timeout) it waits for the Cluster and sends the batch again (SET is idempotent). */
    private static long fillCall(RedisCluster cluster, RespConnection connection, String sha, List<Object> args) {
        List<Object> command = new ArrayList<>(List.of("EVALSHA", sha, "0", Long.toString(TTL_MILLIS)));
        command.addAll(args);
        for (int attempt = 1; ; attempt++) {
            Object reply = connection.reply(command.toArray());
            if (reply instanceof Long written) {
                return written;
            }
            String message = reply instanceof RedisServer.ErrorReply e ? e.message() : String.valueOf(reply);
            if (attempt == 3 || !message.contains("cluster is down")) {
                throw new IllegalStateException("filling the Cluster: " + message);
            }
            cluster.awaitOk(Duration.ofSeconds(30));
        }
    }

    /** For each slot a hash tag that maps to it (CRC16 of the tag, as Redis Cluster computes slots). */
    private static String[] slotTags(RedisCluster cluster) {
        String[] tags = new String[RedisCluster.SLOTS];
        int found = 0;
        for (long i = 0; found < RedisCluster.SLOTS; i++) {
            String tag = Long.toString(i, 36);
            int slot = crc16(tag.getBytes(StandardCharsets.US_ASCII)) & (RedisCluster.SLOTS - 1);
            if (tags[slot] == null) {
                tags[slot] = tag;
                found++;
            }
        }
        for (int slot : new int[] {0, 5461, 16383}) {
            if (cluster.slotOf("filler:{" + tags[slot] + "}:1") != slot) {
                throw new IllegalStateException("the harness computes slots differently from Redis");
            }
        }
        return tags;
    }

    /** CRC-16/XMODEM (polynomial 0x1021, initial value 0), the key hash of Redis Cluster. */
    static int crc16(byte[] bytes) {
        int crc = 0;
        for (byte b : bytes) {
            crc ^= (b & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            crc &= 0xffff;
        }
        return crc;
    }

    private static long used(RespConnection connection) {
        return Long.parseLong(field(connection.text("INFO", "memory"), "used_memory"));
    }

    private static long usedMemory(RedisCluster cluster) {
        long used = 0;
        for (int port : cluster.ports()) {
            used += Long.parseLong(field(cluster.command(port, "INFO", "memory"), "used_memory"));
        }
        return used;
    }

    private static long total(RedisCluster cluster) {
        return cluster.dbSizes().values().stream().mapToLong(Long::longValue).sum();
    }

    private static double cpuSeconds(RedisCluster cluster) {
        double cpu = 0;
        for (int port : cluster.ports()) {
            String info = cluster.command(port, "INFO", "cpu");
            cpu += Double.parseDouble(field(info, "used_cpu_user")) + Double.parseDouble(field(info, "used_cpu_sys"));
        }
        return cpu;
    }

    private static String field(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        throw new IllegalStateException("INFO has no " + name);
    }

    private Result report(List<GrowthBenchmark.Cell> cells, List<GrowthBenchmark.Size> sizes, RedisCluster big, long planned,
            long filler, long fillerBytes, double fillSeconds, double bytesPerSession) {
        GrowthBenchmark.Size largest = sizes.get(sizes.size() - 1);
        boolean reached = largest.keys >= planned;
        StringBuilder md = new StringBuilder();
        md.append("### On a Cluster\n\n");
        md.append("Two `RedisCluster`s of the test kit side by side (3 masters each, no replicas, slots split evenly), ")
                .append("`RedisSessionStore.builder(\"redis-cluster://...\")`, the same operations, one thread, ")
                .append(mode.rounds()).append(" interleaved rounds of ").append(mode.growthSlice().toMillis())
                .append(" ms per cell, ").append(GrowthBenchmark.hotSetText(cells))
                .append("the rest as on one server. The sessions are written by the store (section 1's 10 attributes); the big Cluster's other keys are ")
                .append("filler: `SET filler:{tag}:n 1 PX ").append(TTL_MILLIS).append("` (the sessions' TTL, so the expires table grows too), ")
                .append("spread evenly over all 16384 slots by a Lua loop per master");
        if (filler > 0) {
            md.append(", ").append(Fmt.count(filler)).append(" keys in ").append(String.format(Locale.ROOT, "%.1f s", fillSeconds))
                    .append(", ").append(Fmt.bytes(fillerBytes)).append(" bytes of Redis memory each");
        }
        md.append(". Keys per master on the big Cluster: ").append(big.dbSizes().values().stream().map(Fmt::count).toList())
                .append(".\n\n");
        md.append("| keys on the Cluster | sessions among them | operation | ops/s | × smallest | p50 µs (× smallest) | p99 µs (× smallest) | "
                + "Redis CPU µs/op (3 masters) | failures |\n");
        md.append("|---|--:|---|--:|--:|--:|--:|--:|--:|\n");
        for (GrowthBenchmark.Cell cell : cells) {
            md.append("| Cluster, ").append(Fmt.count(cell.size.keys)).append(" keys | ").append(Fmt.count(cell.size.sessions))
                    .append(" | ").append(cell.operation())
                    .append(" | ").append(Fmt.count(Fmt.median(cell.perSecond)))
                    .append(" | ").append(Fmt.ratio(cell.ratio))
                    .append(" | ").append(Fmt.micros(Fmt.median(cell.p50s))).append(" (").append(Fmt.ratio(Fmt.median(cell.p50Ratio))).append(")")
                    .append(" | ").append(Fmt.micros(Fmt.median(cell.p99s))).append(" (").append(Fmt.ratio(Fmt.median(cell.p99Ratio))).append(")")
                    .append(" | ").append(Fmt.perOp(cell.redisCpuSeconds * 1e6 / cell.ops))
                    .append(" | ").append(cell.failures).append(" |\n");
        }
        md.append("\nThe model, and how far these figures carry: each master's keyspace is a hash table (plus one for ")
                .append("expiry times) that Redis resizes incrementally, so a lookup hashes the key and reads one short bucket chain ")
                .append("whatever the number of keys; routing costs the client a CRC16 of the hash tag and a look-up in a ")
                .append("16384-entry slot table, the same for any number of keys or slots. What grows is the memory the ")
                .append("table spans, which could add CPU cache and TLB misses per lookup; with the same sessions in use, the rows above show no "
                + "such rise, here or on one server. "
                + "Measured here: real sessions among ").append(Fmt.count(largest.keys))
                .append(" keys; not measured: ").append(Fmt.count(planned)).append(" keys that are all full sessions (about ")
                .append(String.format(Locale.ROOT, "%.1f GB", planned * bytesPerSession / 1e9))
                .append(" at the single server's bytes per session above), whose lookups would walk the same tables but find colder values.");
        if (!reached) {
            md.append(" The fill stopped at the memory cap of ").append(String.format(Locale.ROOT, "%.1f GiB", MEMORY_CAP / (double) (1L << 30)))
                    .append(" after ")
                    .append(Fmt.count(largest.keys)).append(" of ").append(Fmt.count(planned)).append(" keys: beyond that the ")
                    .append("figures are the model's, not measured.");
        }
        md.append('\n');
        md.append(GrowthBenchmark.wideNote(cells));
        Target flat = GrowthBenchmark.flatTarget("load and save latency flat on a Cluster, " + Fmt.count(sizes.get(0).keys)
                + " to " + Fmt.count(planned) + " keys", cells);
        if (!reached) {
            flat = new Target(flat.section(), flat.what(), flat.goal(), flat.measured() + "; only " + Fmt.count(largest.keys)
                    + " keys reached (memory cap)", false);
        }
        return new Result(md.toString(), flat);
    }
}
