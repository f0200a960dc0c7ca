package dev.stateless.benchmarks;

import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.StatelessSessionFilter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The read-your-writes check of section 1: two Jetty nodes sharing one {@code redis-server}, each
 * with variant F's store (its own near cache), and one client (a {@link CookieJar}) that writes on
 * node 1 ({@code /rw}, the counter goes up by one) and at once reads the counter on node 2
 * ({@code /counter}), many times; a read that does not show the write is stale. Node 2 holds a copy
 * of the session from the previous round, one version behind, so every read is a chance to serve
 * it. Every tenth round also measures how soon Redis's invalidation reaches node 2: a second
 * client that still carries the version before the write (as another tab that has not seen it)
 * reads on node 2 until it sees the write. The asserting test of the same property, with
 * invalidations delayed on purpose, is stateless-servlet's {@code NearCacheSessionTest}.
 */
final class ReadYourWrites {

    private static final long PROBE_LIMIT_NANOS = 3_000_000_000L;

    private ReadYourWrites() {
    }

    /**
     * @param reads reads on node 2 right after a write on node 1, with the writer's cookies
     * @param stale how many of them did not show the write
     * @param probes reads with the version before the write, to time the invalidation
     * @param freshAtFirst probes whose first read already showed the write
     * @param invalidationNanos per probe: from node 1's answer to node 2's first answer showing the write
     * @param markdown the report's subsection (heading {@code ### 1x.}, numbered by the caller)
     */
    record Result(long reads, long stale, long probes, long freshAtFirst, List<Long> invalidationNanos, String markdown) {
    }

    /** How many write-then-read rounds each mode makes. */
    static int rounds(Mode mode) {
        return mode.isFull() ? 2_000 : mode.name().equals("quick") ? 500 : 100;
    }

    static Result run(Mode mode) throws IOException {
        int rounds = rounds(mode);
        try (RedisNode redis = RedisNode.start();
                RedisSessionStore store1 = SessionBenchmark.nearCacheStore(redis.uri());
                RedisSessionStore store2 = SessionBenchmark.nearCacheStore(redis.uri());
                JettyServer node1 = JettyServer.start("ryw-1", false, List.of(StatelessSessionFilter.builder(store1).build()),
                        new SessionServlet());
                JettyServer node2 = JettyServer.start("ryw-2", false, List.of(StatelessSessionFilter.builder(store2).build()),
                        new SessionServlet());
                HttpConnection to1 = new HttpConnection(node1.port());
                HttpConnection to2 = new HttpConnection(node2.port());
                HttpConnection other = new HttpConnection(node2.port())) {
            int status = to1.exchange(HttpConnection.request("GET", "/init", node1.port(), null, "X-Client", "0"), true);
            if (status != 200) {
                throw new IllegalStateException("/init answered " + status + ": " + to1.body());
            }
            CookieJar jar = CookieJar.of(to1.cookies());
            CookieJar.Sending write = jar.sending(HttpConnection.request("GET", "/rw", node1.port(), null, "X-Client", "0"));
            CookieJar.Sending read = jar.sending(HttpConnection.request("GET", "/counter", node2.port(), null));
            long expected = counter(to2, read.bytes(), jar); // node 2 now holds a copy
            if (expected != 0) {
                throw new IllegalStateException("a new session's counter is " + expected);
            }
            long reads = 0;
            long stale = 0;
            long probes = 0;
            long freshAtFirst = 0;
            List<Long> invalidations = new ArrayList<>();
            String firstStale = null;
            for (int round = 0; round < rounds; round++) {
                String before = jar.header(); // the cookies of a client that has not seen this write
                if (to1.exchange(write.bytes(), false, jar) != 200) {
                    throw new IllegalStateException("a write on node 1 failed");
                }
                long written = System.nanoTime();
                expected++;
                if (round % 10 == 9) {
                    // another client of the session, still at the version before the write
                    byte[] older = HttpConnection.request("GET", "/counter", node2.port(), null, "Cookie", before);
                    probes++;
                    boolean first = true;
                    while (true) {
                        long seen = counter(other, older, null);
                        if (seen == expected) {
                            invalidations.add(System.nanoTime() - written);
                            freshAtFirst += first ? 1 : 0;
                            break;
                        }
                        if (System.nanoTime() - written > PROBE_LIMIT_NANOS) {
                            invalidations.add(Long.MAX_VALUE);
                            break;
                        }
                        first = false;
                    }
                }
                long seen = counter(to2, read.bytes(), jar);
                reads++;
                if (seen != expected) {
                    stale++;
                    if (firstStale == null) {
                        firstStale = "round " + round + ": wrote " + expected + ", read " + seen;
                    }
                }
            }
            String own = ownWrites(store1, redis, rounds / 10);
            return new Result(reads, stale, probes, freshAtFirst, invalidations,
                    markdown(reads, stale, probes, freshAtFirst, invalidations, firstStale) + own);
        }
    }

    /**
     * Whether a node's near cache still serves its own write: {@code saveAsync} of one changed
     * attribute (its copy is then at the saved version), a wait, then {@code load(id, savedVersion)};
     * a load that went to Redis shows as one more HGETALL in {@code INFO commandstats}. Redis reports
     * the node's own change too (its tracking connection is not the one that wrote); the store takes a
     * report that follows its own write for that write's, and keeps the copy.
     */
    private static String ownWrites(RedisSessionStore store, RedisNode redis, int times) {
        dev.stateless.core.session.AttributeCodec codec = store.codec();
        dev.stateless.core.session.SessionChanges.Builder create =
                dev.stateless.core.session.SessionChanges.to(store.newSession());
        SessionShape.STANDARD.values(0).forEach((name, value) -> create.set(name, codec.encode(value)));
        dev.stateless.core.session.SessionChanges created = create.build();
        store.save(created);
        dev.stateless.core.session.SessionData base = store.load(created.id()).orElseThrow();
        long[] waits = {0, 1, 5};
        StringBuilder md = new StringBuilder();
        md.append("The near cache and the node's own writes: `saveAsync` of one changed attribute on one node (each ")
                .append("save on the copy the previous one left, so the store keeps the saved copy), a wait, ")
                .append("then `load(id, savedVersion)` on the same node, ").append(times).append(" times per wait; a ")
                .append("load answered by Redis instead of the copy the save left shows as one HGETALL in ")
                .append("`INFO commandstats`. Redis's tracking reports every change under the prefix, the node's own ")
                .append("included (its tracking connection is not the one that wrote). The store counts the writes it ")
                .append("sends and takes a report that arrives within a second of one for that write's own, whether it ")
                .append("lands before or after the save's reply, so the copy stays; a load answered by Redis here is a ")
                .append("copy lost to its own write's report.\n\n");
        md.append("| wait after the save | loads | answered by Redis |\n|--:|--:|--:|\n");
        long counter = 1_000_000;
        for (long wait : waits) {
            long before = hgetall(redis);
            for (int i = 0; i < times; i++) {
                // each save builds on the copy the previous one left, as the filter's next request does
                dev.stateless.core.session.SessionChanges changes = dev.stateless.core.session.SessionChanges.to(base)
                        .set(SessionAttributes.COUNTER, codec.encode(++counter)).build();
                long version = store.saveAsync(changes).join();
                base = base.apply(changes, version);
                if (wait > 0) {
                    try {
                        Thread.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
                if (store.load(created.id(), version).isEmpty()) {
                    throw new IllegalStateException("the session vanished");
                }
            }
            long fromRedis = hgetall(redis) - before;
            md.append("| ").append(wait).append(" ms | ").append(times).append(" | ").append(fromRedis).append(" (")
                    .append(Math.round(100.0 * fromRedis / times)).append("%) |\n");
        }
        return md.append('\n').toString();
    }

    private static long hgetall(RedisNode redis) {
        return redis.snapshot().calls().getOrDefault("hgetall", 0L);
    }

    /** Reads the counter through {@code /counter}, keeping the cookies the answer sets when {@code jar} is given. */
    private static long counter(HttpConnection connection, byte[] request, CookieJar jar) throws IOException {
        int status = connection.exchange(request, true, jar);
        String body = connection.body().trim();
        if (status != 200 || !body.startsWith("ok ")) {
            throw new IllegalStateException("/counter answered " + status + ": " + body);
        }
        return Long.parseLong(body.substring(3));
    }

    private static String markdown(long reads, long stale, long probes, long freshAtFirst, List<Long> invalidations,
            String firstStale) {
        List<Long> sorted = new ArrayList<>(invalidations);
        Collections.sort(sorted);
        long timedOut = sorted.stream().filter(n -> n == Long.MAX_VALUE).count();
        StringBuilder md = new StringBuilder();
        md.append("### 1x. Read your writes across two nodes\n\n");
        md.append("Two Jetty nodes sharing one `redis-server`, each with F's filter and store (its own near cache, ")
                .append(SessionBenchmark.NEAR_CACHE_AGE.toMillis()).append(" ms max age, Redis's client-side tracking ")
                .append("reporting changes). One client writes on node 1 (`/rw`: the counter goes up) and at once reads ")
                .append("the counter on node 2 with the cookies it was given (`SESSION_VERSION` included), ")
                .append(Fmt.count(reads)).append(" times, one after the other; node 2 holds a copy from the previous ")
                .append("round, one version behind. A read that does not show the write is stale. Every tenth round, ")
                .append("before that read, a second client still carrying the cookies from before the write (another ")
                .append("tab that has not seen it) reads on node 2 until it sees the write: how soon the change reached ")
                .append("node 2's near cache (Redis's invalidation report, or the copy's max age), measured from node 1's ")
                .append("answer to node 2's first answer that shows the write, so it includes one request's time. ")
                .append("The build asserts the same property with invalidations delayed on purpose (stateless-servlet's ")
                .append("`NearCacheSessionTest`); here they arrive as Redis sends them.\n\n");
        md.append("| reads on node 2 right after a write on node 1 | stale reads | reads by a client at the older version "
                + "(probes) | probes that saw the write at the first read | change seen on node 2 after, ms: median | p99 | max |\n");
        md.append("|--:|--:|--:|--:|--:|--:|--:|\n");
        md.append("| ").append(Fmt.count(reads)).append(" | ").append(stale).append(" | ").append(probes).append(" | ")
                .append(freshAtFirst).append(" | ").append(percentile(sorted, 0.5)).append(" | ")
                .append(percentile(sorted, 0.99)).append(" | ").append(percentile(sorted, 1.0)).append(" |\n\n");
        if (firstStale != null) {
            md.append("First stale read: ").append(firstStale).append(".\n\n");
        }
        if (timedOut > 0) {
            md.append(timedOut).append(" probe(s) did not see the write within ").append(PROBE_LIMIT_NANOS / 1_000_000)
                    .append(" ms.\n\n");
        }
        return md.toString();
    }

    private static String percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return "-";
        }
        int index = Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
        long value = sorted.get(index);
        return value == Long.MAX_VALUE ? "> " + PROBE_LIMIT_NANOS / 1_000_000 : String.format(java.util.Locale.ROOT, "%.2f", value / 1e6);
    }
}
