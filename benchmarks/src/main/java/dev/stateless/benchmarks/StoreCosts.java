package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.data.redis.RedisSessionRepository;

/**
 * Redis CPU per store operation, one thread, sequentially, each operation against its own
 * {@code redis-server}: our scripts against Spring Session's plain commands on the same session
 * (a load, and a save of one changed attribute), for each session shape; and what one session of
 * each shape takes in Redis ({@code MEMORY USAGE}).
 */
final class StoreCosts {

    private static final byte[] ANSWER = "{\"status\":201,\"body\":\"order 1 created\"}".getBytes(
            java.nio.charset.StandardCharsets.UTF_8);

    private StoreCosts() {
    }

    /** Redis CPU per operation and the server-side time of each command inside it. */
    record Cost(String operation, double redisMicros, double wallMicros, Map<String, Double> usecPerCall,
            Map<String, Double> callsPerOp) {
    }

    record ShapeCosts(SessionShape shape, long oursBytes, long springBytes, String oursEncoding, String springEncoding,
            Map<String, Cost> costs, Map<String, List<Cost>> runs) {

        double min(String op) {
            return runs.get(op).stream().mapToDouble(Cost::redisMicros).min().orElse(0);
        }

        double max(String op) {
            return runs.get(op).stream().mapToDouble(Cost::redisMicros).max().orElse(0);
        }
    }

    /** One measured operation: a step to repeat, against the server whose CPU it is charged to. */
    private record Op(String name, RedisNode redis, BooleanSupplier step) {
    }

    static ShapeCosts measure(SessionShape shape, long nanos, int rounds) {
        try (RedisNode ours = RedisNode.start();
                RedisNode spring = RedisNode.start();
                RedisSessionStore store = RedisSessionStore.builder(ours.uri())
                        .idleTimeout(Duration.ofMinutes(30)).build();
                RedisIdempotencyKeyStore records = RedisIdempotencyKeyStore.builder(ours.uri()).build();
                RedisSessionStore near = RedisSessionStore.builder(ours.uri()).idleTimeout(Duration.ofMinutes(30))
                        .touchInterval(Duration.ofMinutes(1)).nearCache(64L << 20, Duration.ofSeconds(5)).build()) {
            AttributeCodec codec = store.codec();
            SessionChanges.Builder create = SessionChanges.to(store.newSession());
            shape.values(0).forEach((name, value) -> create.set(name, codec.encode(value)));
            SessionChanges created = create.build();
            store.save(created);
            SessionId id = created.id();
            SessionData base = store.load(id).orElseThrow();
            long version = base.version();
            String key = ours.keys().stream().filter(k -> k.startsWith("stateless:s:")).findFirst().orElseThrow();
            long[] counter = {0};

            LettuceConnectionFactory factory = new LettuceConnectionFactory(
                    new RedisStandaloneConfiguration("127.0.0.1", spring.port()));
            factory.afterPropertiesSet();
            factory.start();
            try {
                RedisTemplate<String, Object> template = new RedisTemplate<>();
                template.setKeySerializer(RedisSerializer.string());
                template.setHashKeySerializer(RedisSerializer.string());
                template.setConnectionFactory(factory);
                template.afterPropertiesSet();
                RedisSessionRepository repository = new RedisSessionRepository(template);
                org.springframework.session.Session session = repository.createSession();
                shape.values(0).forEach(session::setAttribute);
                save(repository, session);
                String springId = session.getId();
                String springKey = spring.keys().stream().filter(k -> k.startsWith("spring:session:")).findFirst()
                        .orElseThrow();

                List<Op> ops = List.of(
                        new Op("load", ours, () -> store.load(id).isPresent()),
                        new Op("save", ours, () -> store.save(SessionChanges.to(base)
                                .set(SessionAttributes.COUNTER, codec.encode(++counter[0])).build())),
                        new Op("spring load", spring, () -> repository.findById(springId) != null),
                        new Op("spring load+save", spring, () -> {
                            org.springframework.session.Session s = repository.findById(springId);
                            s.setAttribute(SessionAttributes.COUNTER, ++counter[0]);
                            save(repository, s);
                            return true;
                        }),
                        // a request's commit: the session delta, then the idempotency record's completion
                        new Op("commit sequential", ours, () -> {
                            long token = ((Acquisition.Acquired) records.acquire("k" + ++counter[0], "fp")).token();
                            return store.save(SessionChanges.to(base).set(SessionAttributes.COUNTER,
                                    codec.encode(counter[0])).build()) & records.complete("k" + counter[0], token, ANSWER);
                        }),
                        new Op("commit pipelined", ours, () -> {
                            long token = ((Acquisition.Acquired) records.acquire("k" + ++counter[0], "fp")).token();
                            CompletableFuture<Long> saved = store.saveAsync(SessionChanges.to(base)
                                    .set(SessionAttributes.COUNTER, codec.encode(counter[0])).build());
                            CompletableFuture<Boolean> completed = records.completeAsync("k" + counter[0], token, ANSWER);
                            return saved.join() > 0 & completed.join();
                        }),
                        new Op("near cache hit", ours, () -> near.load(id, version).isPresent()),
                        new Op("acquire", ours, () -> records.acquire("k" + ++counter[0], "fp")
                                instanceof Acquisition.Acquired));
                Map<String, List<Cost>> runs = new LinkedHashMap<>();
                for (Op op : ops) {
                    SessionCosts.run(nanos / rounds, op.step()); // warm up
                }
                for (int round = 0; round < rounds; round++) {
                    for (int k = 0; k < ops.size(); k++) {
                        Op op = ops.get((k + round) % ops.size());
                        runs.computeIfAbsent(op.name(), n -> new ArrayList<>())
                                .add(cost(op.name(), op.redis(), nanos / rounds, op.step()));
                    }
                }
                Map<String, Cost> costs = new LinkedHashMap<>();
                ops.forEach(op -> costs.put(op.name(), median(runs.get(op.name()))));
                return new ShapeCosts(shape, ours.memoryUsage(key), spring.memoryUsage(springKey),
                        ours.admin().text("OBJECT", "ENCODING", key), spring.admin().text("OBJECT", "ENCODING", springKey),
                        costs, runs);
            } finally {
                factory.destroy();
            }
        }
    }

    /** The median run by Redis CPU, with the range over the runs. */
    private static Cost median(List<Cost> runs) {
        List<Cost> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(Cost::redisMicros));
        return sorted.get(sorted.size() / 2);
    }

    /** The repository's save takes its own (package-private) session type: the cast is Spring's, not ours. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void save(RedisSessionRepository repository, org.springframework.session.Session session) {
        ((org.springframework.session.SessionRepository) repository).save(session);
    }

    private static Cost cost(String operation, RedisNode redis, long nanos, BooleanSupplier step) {
        SessionCosts.run(nanos / 2, step);
        redis.admin().call("CONFIG", "RESETSTAT");
        RedisNode.Snapshot before = redis.snapshot();
        long began = System.nanoTime();
        long ops = SessionCosts.run(nanos, step);
        RedisNode.Snapshot after = redis.snapshot();
        Map<String, Double> usec = new TreeMap<>();
        Map<String, Double> perOp = new TreeMap<>();
        redis.info("commandstats").forEach((key, value) -> {
            String name = key.substring("cmdstat_".length());
            if (name.equals("info") || name.equals("config")) {
                return;
            }
            for (String part : value.split(",")) {
                if (part.startsWith("usec_per_call=")) {
                    usec.put(name, Double.parseDouble(part.substring("usec_per_call=".length())));
                }
            }
        });
        after.callsSince(before).forEach((name, n) -> perOp.put(name, n / (double) ops));
        perOp.remove("config");
        return new Cost(operation, after.cpuSince(before) * 1e6 / ops, (System.nanoTime() - began) / 1e3 / ops, usec,
                perOp);
    }


    static final String TITLE = "5. Store operations: Redis CPU and bytes per session, two session shapes";

    /** The report's section: both shapes, ours against Spring Session's repository, with targets. */
    static Section section(Mode mode, java.util.function.Consumer<String> log) {
        long nanos = mode.rounds() * (mode.isFull() ? 1_000_000_000L : mode.httpSlice().toNanos() / 2);
        List<ShapeCosts> shapes = new ArrayList<>();
        for (SessionShape shape : SessionShape.values()) {
            log.accept("store costs, " + shape.name().toLowerCase(java.util.Locale.ROOT) + " session");
            shapes.add(measure(shape, nanos, mode.rounds()));
        }
        List<Target> targets = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        md.append("`RedisSessionStore` against Spring Session's `RedisSessionRepository` (JDK serialization, its ")
                .append("default), each on its own `redis-server`, one thread calling in a loop, ").append(mode.rounds())
                .append(" interleaved rounds of ").append(nanos / mode.rounds() / 1_000_000).append(" ms per operation; ")
                .append("Redis CPU is `used_cpu_user + used_cpu_sys` of that server per operation (median, with the ")
                .append("range over rounds); commands and their `usec_per_call` from `INFO commandstats`. ")
                .append("A load is `load(id)` / `findById`, a save writes one changed attribute (Spring: ")
                .append("`findById` + `save`, less the `findById`).\n\n");
        for (ShapeCosts c : shapes) {
            md.append("- **").append(c.shape().name().toLowerCase(java.util.Locale.ROOT)).append("**: ")
                    .append(c.shape().description).append('\n');
        }
        md.append("\n| shape | ours bytes/session (encoding) | Spring bytes/session (encoding) | × Spring |\n|---|--:|--:|--:|\n");
        for (ShapeCosts c : shapes) {
            double ratio = c.oursBytes() / (double) c.springBytes();
            md.append("| ").append(c.shape().name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                    .append(Fmt.bytes(c.oursBytes())).append(" (").append(c.oursEncoding()).append(") | ")
                    .append(Fmt.bytes(c.springBytes())).append(" (").append(c.springEncoding()).append(") | ")
                    .append(Fmt.ratio(ratio)).append(" |\n");
            targets.add(new Target(TITLE, "bytes per session vs Spring, " + c.shape().name()
                    .toLowerCase(java.util.Locale.ROOT) + " session", "≤ 0.60×", Fmt.ratio(ratio) + " ("
                    + Fmt.bytes(c.oursBytes()) + " vs " + Fmt.bytes(c.springBytes()) + " bytes)", ratio <= 0.60));
        }
        md.append("\n| shape | operation | ours: Redis CPU µs | Spring: Redis CPU µs | × Spring | ours: commands in Redis | Spring: commands |\n")
                .append("|---|---|--:|--:|--:|---|---|\n");
        for (ShapeCosts c : shapes) {
            String shape = c.shape().name().toLowerCase(java.util.Locale.ROOT);
            List<Double> loadRatios = new ArrayList<>();
            List<Double> saveRatios = new ArrayList<>();
            List<Double> rwRatios = new ArrayList<>();
            for (int r = 0; r < c.runs().get("load").size(); r++) {
                double load = c.runs().get("load").get(r).redisMicros();
                double save = c.runs().get("save").get(r).redisMicros();
                double springLoad = c.runs().get("spring load").get(r).redisMicros();
                double springRw = c.runs().get("spring load+save").get(r).redisMicros();
                loadRatios.add(load / springLoad);
                saveRatios.add(save / Math.max(0.01, springRw - springLoad));
                rwRatios.add((load + save) / springRw);
            }
            Cost load = c.costs().get("load");
            Cost save = c.costs().get("save");
            Cost springLoad = c.costs().get("spring load");
            Cost springRw = c.costs().get("spring load+save");
            row(md, shape, "load", load.redisMicros(), springLoad.redisMicros(), loadRatios, load, springLoad);
            row(md, shape, "save one attribute", save.redisMicros(), springRw.redisMicros() - springLoad.redisMicros(),
                    saveRatios, save, null);
            Cost hit = c.costs().get("near cache hit");
            md.append("| ").append(shape).append(" | load from this node's near cache (`load(id, knownVersion)`, copy ")
                    .append("at that version) | ").append(Fmt.perOp(hit.redisMicros())).append(" | - | - | ")
                    .append(hit.callsPerOp().isEmpty() ? "none" : commands(hit)).append(" | - |\n");
            row(md, shape, "**load + save** (read all, change one)", load.redisMicros() + save.redisMicros(),
                    springRw.redisMicros(), rwRatios, null, springRw);
            targets.add(new Target(TITLE, "Redis CPU per load + save vs Spring, " + shape + " session",
                    "≤ 0.80×", Fmt.ratio(rwRatios), medianOf(rwRatios) <= 0.80));
        }
        ShapeCosts standard = shapes.get(0);
        double acquire = standard.costs().get("acquire").wallMicros();
        double sequential = standard.costs().get("commit sequential").wallMicros() - acquire;
        double pipelined = standard.costs().get("commit pipelined").wallMicros() - acquire;
        md.append("\nA request's commit, the session's delta and the idempotency record's completion, one thread: ")
                .append("`save` then `complete` waits for 2 round trips, ").append(Fmt.perOp(sequential))
                .append(" µs of wall time per commit; `saveAsync` and `completeAsync` sent together and then awaited ")
                .append("wait for 1, ").append(Fmt.perOp(pipelined)).append(" µs (medians; the acquire each needs first, ")
                .append(Fmt.perOp(acquire)).append(" µs, taken out). With the acquire, an idempotent POST with a session ")
                .append("then makes 3 round trips (load, acquire, commit) instead of 4.\n");
        return new Section(TITLE, md.toString(), targets);
    }

    private static double medianOf(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static void row(StringBuilder md, String shape, String operation, double ours, double spring,
            List<Double> ratios, Cost oursCommands, Cost springCommands) {
        md.append("| ").append(shape).append(" | ").append(operation).append(" | ").append(Fmt.perOp(ours))
                .append(" | ").append(Fmt.perOp(spring)).append(" | ").append(Fmt.ratio(ratios)).append(" | ")
                .append(oursCommands == null ? "-" : commands(oursCommands)).append(" | ")
                .append(springCommands == null ? "-" : commands(springCommands)).append(" |\n");
    }

    private static String commands(Cost cost) {
        StringBuilder text = new StringBuilder();
        cost.callsPerOp().forEach((name, n) -> {
            if (n >= 0.01) {
                text.append(text.length() == 0 ? "" : ", ").append(name.toUpperCase(java.util.Locale.ROOT)).append(' ')
                        .append(Fmt.perOp(n));
                Double usec = cost.usecPerCall().get(name);
                if (usec != null) {
                    text.append(String.format(java.util.Locale.ROOT, " (%.1f µs)", usec));
                }
            }
        });
        return text.toString();
    }

    /** For development: {@code java -cp stateless-benchmarks.jar dev.stateless.benchmarks.StoreCosts [seconds] [rounds]}. */
    public static void main(String[] args) {
        BenchmarkMain.quietLogging();
        long nanos = (long) ((args.length > 0 ? Double.parseDouble(args[0]) : 2) * 1e9);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        for (SessionShape shape : SessionShape.values()) {
            ShapeCosts c = measure(shape, nanos, rounds);
            System.out.printf("%s: ours %d bytes (%s), spring %d bytes (%s), %.2fx%n", shape, c.oursBytes(),
                    c.oursEncoding(), c.springBytes(), c.springEncoding(), c.oursBytes() / (double) c.springBytes());
            c.costs().forEach((name, cost) -> System.out.printf("  %-17s redis %6.2f us/op (%.2f-%.2f)  calls %s  usec/call %s%n",
                    name, cost.redisMicros(), c.min(name), c.max(name), cost.callsPerOp(), cost.usecPerCall()));
        }
        System.exit(0);
    }
}
