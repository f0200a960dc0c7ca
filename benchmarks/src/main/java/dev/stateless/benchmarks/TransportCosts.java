package dev.stateless.benchmarks;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.redis.RedisSessionStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Netty's native epoll transport buys Lettuce: 16 threads loading and saving sessions (a
 * {@code /rw} request's store calls) for a while; JVM CPU per request (less the JIT) and requests
 * per second. Lettuce picks its transport once per JVM, so the comparison is two JVMs, run one
 * after the other, alternately: {@code java -cp stateless-benchmarks.jar
 * dev.stateless.benchmarks.TransportCosts SECONDS} with and without {@code -Dio.lettuce.core.epoll=false}.
 */
final class TransportCosts {

    private TransportCosts() {
    }

    public static void main(String[] args) throws Exception {
        BenchmarkMain.quietLogging();
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int threads = 16;
        try (RedisNode redis = RedisNode.start();
                RedisSessionStore store = RedisSessionStore.builder(redis.uri()).build()) {
            AttributeCodec codec = store.codec();
            List<SessionId> ids = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SessionChanges.Builder create = SessionChanges.to(store.newSession());
                SessionShape.STANDARD.values(t).forEach((name, value) -> create.set(name, codec.encode(value)));
                SessionChanges created = create.build();
                store.save(created);
                ids.add(created.id());
            }
            AtomicLong requests = new AtomicLong();
            runFor(seconds / 3, threads, ids, store, codec, new AtomicLong()); // warm-up
            long jit = ProcessCpu.jitNanos();
            long cpu = ProcessCpu.nanos();
            long sys = ProcessCpu.systemNanos();
            RedisNode.Snapshot before = redis.snapshot();
            long start = System.nanoTime();
            runFor(seconds, threads, ids, store, codec, requests);
            double wall = (System.nanoTime() - start) / 1e9;
            double redisCpu = redis.snapshot().cpuSince(before);
            long used = ProcessCpu.nanos() - cpu - (ProcessCpu.jitNanos() - jit);
            long n = requests.get();
            System.out.printf("transport=%s requests/s=%.0f jvm-cpu-us/req=%.1f kernel-share=%.0f%% redis-cpu-us/req=%.1f%n",
                    io.lettuce.core.resource.EpollProvider.isAvailable() ? "epoll" : "nio", n / wall,
                    used / 1e3 / n, 100.0 * (ProcessCpu.systemNanos() - sys) / Math.max(1, used), redisCpu * 1e6 / n);
        }
        System.exit(0);
    }

    private static void runFor(double seconds, int threads, List<SessionId> ids, RedisSessionStore store,
            AttributeCodec codec, AtomicLong requests) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            SessionId id = ids.get(t);
            Thread thread = new Thread(() -> {
                long counter = 0;
                while (System.nanoTime() < deadline) {
                    SessionData loaded = store.load(id).orElseThrow();
                    store.save(SessionChanges.to(loaded).set(SessionAttributes.COUNTER, codec.encode(++counter)).build());
                    requests.incrementAndGet();
                }
            });
            thread.start();
            running.add(thread);
        }
        for (Thread thread : running) {
            thread.join();
        }
    }
}
