package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import java.time.Duration;
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

    private StoreCosts() {
    }

    /** Redis CPU per operation and the server-side time of each command inside it. */
    record Cost(String operation, double redisMicros, Map<String, Double> usecPerCall, Map<String, Double> callsPerOp) {
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
                        .idleTimeout(Duration.ofMinutes(30)).build()) {
            AttributeCodec codec = store.codec();
            SessionChanges.Builder create = SessionChanges.to(store.newSession());
            shape.values(0).forEach((name, value) -> create.set(name, codec.encode(value)));
            SessionChanges created = create.build();
            store.save(created);
            SessionId id = created.id();
            SessionData base = store.load(id).orElseThrow();
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
                        // the server's side alone, from the harness's plain client: what a plain read costs
                        new Op("HGETALL alone", ours, () -> ours.admin().call("HGETALL", key) != null));
                Map<String, List<Cost>> runs = new LinkedHashMap<>();
                for (Op op : ops) {
                    run(nanos / rounds, op.step()); // warm up
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
        run(nanos / 2, step);
        redis.admin().call("CONFIG", "RESETSTAT");
        RedisNode.Snapshot before = redis.snapshot();
        long ops = run(nanos, step);
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
        return new Cost(operation, after.cpuSince(before) * 1e6 / ops, usec, perOp);
    }

    private static long run(long nanos, BooleanSupplier step) {
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
