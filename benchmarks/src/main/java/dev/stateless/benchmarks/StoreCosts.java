package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import java.time.Duration;
import java.util.LinkedHashMap;
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
            Map<String, Cost> costs) {
    }

    static ShapeCosts measure(SessionShape shape, long nanos) {
        Map<String, Cost> costs = new LinkedHashMap<>();
        long oursBytes;
        String oursEncoding;
        try (RedisNode redis = RedisNode.start();
                RedisSessionStore store = RedisSessionStore.builder(redis.uri())
                        .idleTimeout(Duration.ofMinutes(30)).touchInterval(Duration.ofMinutes(1)).build()) {
            AttributeCodec codec = store.codec();
            SessionChanges.Builder create = SessionChanges.to(store.newSession());
            shape.values(0).forEach((name, value) -> create.set(name, codec.encode(value)));
            SessionChanges created = create.build();
            store.save(created);
            SessionId id = created.id();
            SessionData base = store.load(id).orElseThrow();
            long[] counter = {0};
            costs.put("load", cost("load", redis, nanos, () -> store.load(id).isPresent()));
            costs.put("save", cost("save one attribute", redis, nanos, () -> store.save(
                    SessionChanges.to(base).set(SessionAttributes.COUNTER, codec.encode(++counter[0])).build())));
            String key = redis.keys().stream().filter(k -> k.startsWith("stateless:s:")).findFirst().orElseThrow();
            oursBytes = redis.memoryUsage(key);
            oursEncoding = redis.admin().text("OBJECT", "ENCODING", key);
        }
        long springBytes;
        String springEncoding;
        try (RedisNode redis = RedisNode.start()) {
            LettuceConnectionFactory factory = new LettuceConnectionFactory(
                    new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
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
                String id = session.getId();
                long[] counter = {0};
                costs.put("spring load", cost("load", redis, nanos, () -> repository.findById(id) != null));
                costs.put("spring save", cost("save one attribute", redis, nanos, () -> {
                    org.springframework.session.Session s = repository.findById(id);
                    s.setAttribute(SessionAttributes.COUNTER, ++counter[0]);
                    save(repository, s);
                    return true;
                }));
                String key = redis.keys().stream().filter(k -> k.startsWith("spring:session:")).findFirst().orElseThrow();
                springBytes = redis.memoryUsage(key);
                springEncoding = redis.admin().text("OBJECT", "ENCODING", key);
            } finally {
                factory.destroy();
            }
        }
        // Spring's save above includes the findById it needs first: take the load out.
        Cost load = costs.get("spring load");
        Cost loadAndSave = costs.remove("spring save");
        Map<String, Double> calls = new TreeMap<>(loadAndSave.callsPerOp());
        load.callsPerOp().forEach((name, n) -> calls.merge(name, -n, Double::sum));
        calls.values().removeIf(n -> n < 0.01);
        costs.put("spring save", new Cost("save one attribute", loadAndSave.redisMicros() - load.redisMicros(),
                loadAndSave.usecPerCall(), calls));
        return new ShapeCosts(shape, oursBytes, springBytes, oursEncoding, springEncoding, costs);
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

    /** For development: {@code java -cp stateless-benchmarks.jar dev.stateless.benchmarks.StoreCosts [seconds]}. */
    public static void main(String[] args) {
        BenchmarkMain.quietLogging();
        long nanos = (long) ((args.length > 0 ? Double.parseDouble(args[0]) : 2) * 1e9);
        for (SessionShape shape : SessionShape.values()) {
            ShapeCosts c = measure(shape, nanos);
            System.out.printf("%s: ours %d bytes (%s), spring %d bytes (%s), %.2fx%n", shape, c.oursBytes(),
                    c.oursEncoding(), c.springBytes(), c.springEncoding(), c.oursBytes() / (double) c.springBytes());
            c.costs().forEach((name, cost) -> System.out.printf("  %-12s redis %6.2f us/op  calls %s  usec/call %s%n",
                    name, cost.redisMicros(), cost.callsPerOp(), cost.usecPerCall()));
        }
        System.exit(0);
    }
}
