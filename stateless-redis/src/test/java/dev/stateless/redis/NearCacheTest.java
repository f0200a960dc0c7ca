package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The near cache of {@link RedisSessionStore}: read-your-writes across nodes by version, whatever
 * Redis's change reports do; the memory bound; reports making copies fresher.
 */
@WithRedis
class NearCacheTest {

    private static RedisServer redis;
    private final List<RedisSessionStore> stores = new ArrayList<>();

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void clean() {
        redis.flushAll();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisSessionStore::close);
    }

    /** Holds Redis's change reports back until {@link #release}: invalidations as late as they can be. */
    static final class HeldBack implements Executor {
        private final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable report) {
            held.add(report);
        }

        int size() {
            return held.size();
        }

        void release() {
            for (Runnable report; (report = held.poll()) != null; ) {
                report.run();
            }
        }
    }

    private RedisSessionStore node(long maxBytes, Executor reports) {
        RedisSessionStore store = RedisSessionStore.builder(redis.uri())
                .nearCache(maxBytes, Duration.ofMinutes(10)) // far longer than the test: only versions protect it
                .touchInterval(Duration.ofMinutes(1)) // a copy served within it sends no touch
                .invalidationDelivery(reports)
                .build();
        stores.add(store);
        return store;
    }

    /**
     * Two nodes, each with a near cache whose change reports from Redis are held back for the whole
     * test. A client writes on one node and reads on the other at once, carrying the version its
     * save returned, alternating nodes, thousands of times: it sees its write every time, although
     * the reading node holds an older copy before almost every read. Reading again at the same
     * version is served by the node's copy.
     */
    @Test
    void aClientThatCarriesItsVersionReadsItsWritesOnAnyNodeWithInvalidationsHeldBack() {
        HeldBack reportsA = new HeldBack();
        HeldBack reportsB = new HeldBack();
        RedisSessionStore a = node(16 << 20, reportsA);
        RedisSessionStore b = node(16 << 20, reportsB);
        RedisSessionStore[] nodes = {a, b};
        AttributeCodec codec = a.codec();
        SessionData created = a.newSession();
        long version = a.saveAsync(SessionChanges.to(created).set("n", codec.encode(0L))
                .set("big", codec.encode("x".repeat(4000))).build()).join();
        // both nodes hold a copy from now on
        a.load(created.id(), version).orElseThrow();
        b.load(created.id(), version).orElseThrow();

        int writes = 3000;
        int stale = 0;
        int olderCopyHeld = 0;
        int servedFromCopy = 0;
        for (int n = 1; n <= writes; n++) {
            RedisSessionStore writer = nodes[n % 2];
            RedisSessionStore reader = nodes[(n + 1) % 2];
            SessionData base = writer.load(created.id(), version).orElseThrow();
            version = writer.saveAsync(SessionChanges.to(base).set("n", codec.encode((long) n)).build()).join();

            SessionData held = reader.nearCache().held().get(created.id().digest());
            if (held != null && held.version() < version) {
                olderCopyHeld++;
            }
            SessionData read = reader.load(created.id(), version).orElseThrow();
            if (!Long.valueOf(n).equals(codec.decode(read.encodedAttribute("n").orElseThrow()))
                    || read.version() < version) {
                stale++;
            }
            long readsBefore = redisReads();
            SessionData again = reader.load(created.id(), version).orElseThrow();
            if (redisReads() == readsBefore) {
                servedFromCopy++;
            }
            assertThat(codec.decode(again.encodedAttribute("n").orElseThrow())).isEqualTo((long) n);
        }

        assertThat(stale).as("stale reads").isZero();
        assertThat(reportsA.size() + reportsB.size()).as("change reports held back").isPositive();
        assertThat(olderCopyHeld).as("reads where the reading node held an older copy").isGreaterThan(writes * 9 / 10);
        assertThat(servedFromCopy).as("second reads served from the node's copy").isEqualTo(writes);
    }

    /**
     * The near cache's max age in the tests of the bound, on a test clock: long enough in real time
     * that Caffeine's own expiry (which only frees memory) never drops a copy mid-test.
     */
    private static final Duration MAX_AGE = Duration.ofSeconds(5);

    private RedisSessionStore clockedNode(Clock clock, Duration maxAge, Executor reports) {
        RedisSessionStore store = RedisSessionStore.builder(redis.uri())
                .nearCache(1 << 20, maxAge)
                .clock(clock)
                .touchInterval(Duration.ZERO) // every copy served sends a touch
                .invalidationDelivery(reports)
                .build();
        stores.add(store);
        return store;
    }

    /**
     * A caller that carries an older version than another node wrote may get this node's older copy,
     * but only until the copy is {@code maxAge} old on the store's clock, however often it is served
     * and touched meanwhile (a touch keeps the copy's age), with Redis's change reports held back.
     */
    @Test
    void aCopyIsServedAtMostMaxAgeAfterItCameFromRedisEvenWhenTouched() {
        MutableClock clock = MutableClock.startingNow();
        HeldBack reports = new HeldBack();
        RedisSessionStore a = clockedNode(clock, MAX_AGE, reports);
        RedisSessionStore b = clockedNode(clock, MAX_AGE, reports);
        AttributeCodec codec = a.codec();
        SessionData created = a.newSession();
        long first = a.saveAsync(SessionChanges.to(created).set("n", codec.encode(1L)).build()).join();
        b.load(created.id(), first).orElseThrow(); // b's copy, at the first version
        long second = a.saveAsync(SessionChanges.to(a.load(created.id()).orElseThrow()).set("n", codec.encode(2L))
                .build()).join();
        assertThat(second).isEqualTo(first + 1);

        for (int step = 1; step <= 4; step++) {
            clock.advance(Duration.ofMillis(1200)); // up to 4.8 s
            assertThat(b.load(created.id(), first).orElseThrow().version()).as("within maxAge: b's copy, touched")
                    .isEqualTo(first);
        }
        clock.advance(Duration.ofMillis(200)); // the copy is maxAge old

        assertThat(b.load(created.id(), first).orElseThrow().version()).isEqualTo(second);
    }

    /** A clock set back does not make a copy younger: it is not served (the bound holds either way). */
    @Test
    void aClockSetBackDoesNotKeepACopy() {
        Instant start = Instant.now();
        AtomicReference<Instant> now = new AtomicReference<>(start);
        Clock settable = new Clock() {
            @Override
            public Instant instant() {
                return now.get();
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException();
            }
        };
        RedisSessionStore a = clockedNode(settable, Duration.ofSeconds(1), new HeldBack());
        SessionData created = a.newSession();
        long version = a.saveAsync(SessionChanges.to(created).set("n", a.codec().encode(1L)).build()).join();
        a.load(created.id(), version).orElseThrow();
        now.set(start.minusMillis(10)); // set back, as by an operator or NTP
        long before = hashReads();

        assertThat(a.load(created.id(), version)).isPresent();

        assertThat(hashReads() - before).as("read from Redis").isEqualTo(1);
    }

    /**
     * After a deletion on another node, with its change report held back, this node stops serving
     * its copy once the copy is {@code maxAge} old; a save on the copy meanwhile finds the session
     * gone and writes nothing.
     */
    @Test
    void aDeletionOnAnotherNodeEndsTheCopyAtTheLatestAfterMaxAgeAndASaveOnItWritesNothing() {
        MutableClock clock = MutableClock.startingNow();
        HeldBack reports = new HeldBack();
        RedisSessionStore a = clockedNode(clock, MAX_AGE, reports);
        RedisSessionStore b = clockedNode(clock, MAX_AGE, reports);
        SessionData created = a.newSession();
        long version = a.saveAsync(SessionChanges.to(created).set("n", a.codec().encode(1L)).build()).join();
        b.load(created.id(), version).orElseThrow();
        a.delete(created.id());

        clock.advance(MAX_AGE.dividedBy(2));
        SessionData stale = b.load(created.id(), version).orElseThrow(); // within maxAge: the copy
        assertThat(b.saveAsync(SessionChanges.to(stale).set("n", b.codec().encode(2L)).build()).join())
                .as("a save of a deleted session").isZero();
        assertThat(redis.commandLong("EXISTS", "stateless:s:{" + created.id().digest() + "}")).isZero();
        assertThat(b.load(created.id(), version)).as("the failed save dropped the copy").isEmpty();

        b.load(created.id(), 0); // nothing: no copy is made
        SessionData other = a.newSession();
        long otherVersion = a.saveAsync(SessionChanges.to(other).set("n", a.codec().encode(1L)).build()).join();
        b.load(other.id(), otherVersion).orElseThrow();
        a.delete(other.id());
        clock.advance(MAX_AGE.minusMillis(1));
        assertThat(b.load(other.id(), otherVersion)).as("within maxAge: the copy").isPresent();
        clock.advance(Duration.ofMillis(1));
        assertThat(b.load(other.id(), otherVersion)).as("maxAge after b got it").isEmpty();
    }

    /** A caller that names no version (0) always reads Redis: it may be a client that wrote elsewhere. */
    @Test
    void aLoadWithoutAVersionReadsRedis() {
        RedisSessionStore a = node(1 << 20, Runnable::run);
        SessionData created = a.newSession();
        long version = a.saveAsync(SessionChanges.to(created).set("n", a.codec().encode(1L)).build()).join();
        a.load(created.id()).orElseThrow(); // Redis now holds the load script
        a.load(created.id(), version).orElseThrow();
        long before = scriptCalls();

        long readsBefore = hashReads();

        a.load(created.id(), 0).orElseThrow();
        a.load(created.id()).orElseThrow();

        assertThat(hashReads() - readsBefore).isEqualTo(2);
        assertThat(scriptCalls() - before).as("not due for a touch: no script").isZero();
    }

    /**
     * The cache never holds more than its bound, by a weight that counts every attribute byte and
     * more: 1,000 sessions of about 3 KB loaded through a cache of 256 KB.
     */
    @Test
    void theCacheHoldsNoMoreThanItsBoundOfAttributeBytes() {
        long bound = 256 * 1024;
        RedisSessionStore writer = RedisSessionStore.builder(redis.uri()).build();
        stores.add(writer);
        RedisSessionStore cached = node(bound, Runnable::run);
        List<SessionId> ids = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            SessionData session = writer.newSession();
            versions.add(writer.saveAsync(SessionChanges.to(session).set("a", writer.codec().encode("a".repeat(1000) + n))
                    .set("b", writer.codec().encode(List.of("b".repeat(1000), "c".repeat(1000)))).build()).join());
            ids.add(session.id());
        }

        for (int n = 0; n < ids.size(); n++) {
            cached.load(ids.get(n), versions.get(n)).orElseThrow();
        }

        NearCache near = cached.nearCache();
        Map<String, SessionData> held = near.held();
        long attributeBytes = held.values().stream()
                .flatMap(s -> s.encodedAttributes().values().stream()).mapToLong(v -> v.length).sum();
        assertThat(near.weightedSize()).isLessThanOrEqualTo(bound);
        assertThat(attributeBytes).isLessThanOrEqualTo(near.weightedSize()).isPositive();
        assertThat(held.size()).as("copies held").isBetween(1, (int) (bound / 3000));

        // requests decode every value of every copy: the memos grow, the copies are weighed again
        for (int n = 0; n < ids.size(); n++) {
            cached.load(ids.get(n), versions.get(n)).ifPresent(copy -> copy.memo().ifPresent(memo -> {
                for (String name : copy.attributeNames()) {
                    Object value = cached.codec().decode(copy.encodedAttribute(name).orElseThrow());
                    memo.offer(name, dev.stateless.core.session.PlainValues.immutable(value) ? value
                            : dev.stateless.core.session.PlainValues.copy(value));
                }
            }));
        }
        Map<String, SessionData> decoded = near.held();
        long memoBytes = decoded.values().stream()
                .mapToLong(s -> s.memo().map(dev.stateless.core.session.AttributeMemo::usedBytes).orElse(0L)).sum();
        assertThat(memoBytes).as("decoded values kept").isPositive();
        assertThat(near.weightedSize()).isLessThanOrEqualTo(bound);
        assertThat(decoded.values().stream().mapToLong(NearCache::weight).sum()).isEqualTo(near.weightedSize());
    }

    /**
     * A copy keeps the values requests decode from it, in room its weight counts: the bound covers
     * the decoded values too, and they are the store's codec's.
     */
    @Test
    void aCopysDecodedValuesAreCountedInItsWeight() {
        RedisSessionStore writer = RedisSessionStore.builder(redis.uri()).build();
        stores.add(writer);
        RedisSessionStore cached = node(1 << 20, Runnable::run);
        SessionData session = writer.newSession();
        long version = writer.saveAsync(SessionChanges.to(session).set("cart", writer.codec().encode(
                new java.util.HashMap<>(java.util.Map.of("apple", 1, "pear", 2)))).build()).join();

        SessionData copy = cached.load(session.id(), version).orElseThrow();
        SessionData held = cached.load(session.id(), version).orElseThrow(); // from the near cache

        dev.stateless.core.session.AttributeMemo memo = held.memo().orElseThrow();
        assertThat(memo.decodes(cached.codec())).isTrue();
        assertThat(memo.budgetBytes()).isEqualTo(NearCache.memoBudget(copy)).isPositive();
        long stored = NearCache.weight(copy.withMemo(null));
        assertThat(cached.nearCache().weightedSize()).as("nothing decoded yet").isEqualTo(stored);

        memo.offer("cart", dev.stateless.core.session.PlainValues.copy(cached.codec().decode(
                held.encodedAttribute("cart").orElseThrow())));

        assertThat(memo.size()).isEqualTo(1);
        assertThat(memo.usedBytes()).isPositive().isLessThanOrEqualTo(memo.budgetBytes());
        assertThat(cached.nearCache().weightedSize()).as("weighed again").isEqualTo(stored + memo.usedBytes());
        assertThat(cached.nearCache().held().get(session.id().digest()).memo()).containsSame(memo);
    }

    /**
     * A value saved with its bytes (the servlet session's counter) is kept decoded in the copy the
     * save leaves, when its type decodes back exactly: the next request served from the copy does
     * not decode it. A value of another type, or one given without its value, is not.
     */
    @Test
    void aSavedValueOfAnExactTypeIsKeptDecodedInTheCopyTheSaveLeaves() {
        RedisSessionStore cached = node(1 << 20, Runnable::run);
        SessionData session = cached.newSession();
        long first = cached.saveAsync(SessionChanges.to(session).set("counter", cached.codec().encode(1L)).build()).join();
        SessionData loaded = cached.load(session.id(), first).orElseThrow();
        loaded.memo().orElseThrow().offer("counter", 1L);

        long second = cached.saveAsync(SessionChanges.to(loaded)
                .set("counter", cached.codec().encode(2L), 2L)
                .set("ratio", cached.codec().encode(0.5d), 0.5d)
                .set("name", cached.codec().encode("alice"))
                .build()).join();

        SessionData copy = cached.load(session.id(), second).orElseThrow();
        dev.stateless.core.session.AttributeMemo memo = copy.memo().orElseThrow();
        assertThat(memo.get("counter")).isEqualTo(2L);
        assertThat(memo.get("ratio")).as("floating point: decoded by the next request").isNull();
        assertThat(memo.get("name")).as("given without its value").isNull();
        assertThat(cached.nearCache().weightedSize()).as("counted in the weight")
                .isEqualTo(NearCache.weight(copy.withMemo(null)) + memo.usedBytes());
        assertThat(cached.codec().decode(copy.encodedAttribute("counter").orElseThrow())).isEqualTo(2L);
    }

    /** Change reports (client-side tracking) drop a copy another node changed, without any version. */
    @Test
    void aChangeOnAnotherNodeDropsTheCopyWhenRedisReportsIt() throws InterruptedException {
        RedisSessionStore a = node(1 << 20, Runnable::run);
        RedisSessionStore b = node(1 << 20, Runnable::run);
        SessionData created = a.newSession();
        long version = a.saveAsync(SessionChanges.to(created).set("n", a.codec().encode(1L)).build()).join();
        SessionData copy = b.load(created.id(), version).orElseThrow();
        assertThat(b.nearCache().held()).containsKey(created.id().digest());

        a.save(SessionChanges.to(copy).set("n", a.codec().encode(2L)).build());

        for (int wait = 0; wait < 500 && b.nearCache().held().containsKey(created.id().digest()); wait++) {
            Thread.sleep(20);
        }
        assertThat(b.nearCache().held()).doesNotContainKey(created.id().digest());
    }

    /**
     * Redis reports this node's own writes too: the report of a save (or touch) this node made does
     * not drop the copy that save left, so that the client's next request is served by it; a report
     * of another node's write still does.
     */
    @Test
    void aNodesOwnSaveKeepsItsCopyWhenRedisReportsTheChange() throws InterruptedException {
        RedisSessionStore a = node(1 << 20, Runnable::run);
        RedisSessionStore b = node(1 << 20, Runnable::run);
        SessionData marker = a.newSession();
        long markerVersion = a.saveAsync(SessionChanges.to(marker).set("n", a.codec().encode(1L)).build()).join();
        SessionData created = a.newSession();
        long first = a.saveAsync(SessionChanges.to(created).set("n", a.codec().encode(1L)).build()).join();
        a.load(created.id(), first).orElseThrow(); // starts a's reports
        String digest = created.id().digest();
        // Reports come in the order of the writes: once b's change of the marker is reported to a,
        // so was everything before it (and a's reports are running).
        markerChangedByB(a, b, marker, markerVersion, 2L);
        SessionData copy = a.load(created.id(), first).orElseThrow();

        long second = a.saveAsync(SessionChanges.to(copy).set("n", a.codec().encode(2L)).build()).join();
        markerChangedByB(a, b, marker, markerVersion + 1, 3L);

        assertThat(a.nearCache().held().get(digest)).as("a's copy after its own save").isNotNull()
                .extracting(SessionData::version).isEqualTo(second);
        long reads = redis.calls("hgetall");
        assertThat(a.codec().decode(a.load(created.id(), second).orElseThrow().encodedAttribute("n").orElseThrow()))
                .isEqualTo(2L);
        assertThat(redis.calls("hgetall")).as("served by the copy").isEqualTo(reads);

        b.save(SessionChanges.to(b.load(created.id()).orElseThrow()).set("n", b.codec().encode(3L)).build());
        for (int wait = 0; wait < 500 && a.nearCache().held().containsKey(digest); wait++) {
            Thread.sleep(10);
        }
        assertThat(a.nearCache().held()).as("another node's change").doesNotContainKey(digest);
    }

    /** b changes the marker session; returns once a has dropped its copy of it (its report arrived). */
    private static void markerChangedByB(RedisSessionStore a, RedisSessionStore b, SessionData marker, long version,
            long value) throws InterruptedException {
        assertThat(a.load(marker.id(), version)).isPresent(); // a holds a copy
        b.save(SessionChanges.to(b.load(marker.id()).orElseThrow()).set("n", b.codec().encode(value)).build());
        for (int wait = 0; wait < 500 && a.nearCache().held().containsKey(marker.id().digest()); wait++) {
            Thread.sleep(10);
        }
        assertThat(a.nearCache().held()).doesNotContainKey(marker.id().digest());
    }

    @Test
    void deleteAndChangeIdDropTheCopy() {
        RedisSessionStore a = node(1 << 20, new HeldBack());
        SessionData created = a.newSession();
        long version = a.saveAsync(SessionChanges.to(created).set("n", a.codec().encode(1L)).build()).join();
        a.load(created.id(), version).orElseThrow();
        SessionId moved = SessionId.generate();

        assertThat(a.changeId(created.id(), moved)).isTrue();
        assertThat(a.load(created.id(), version)).isEmpty();
        a.load(moved, version).orElseThrow();
        a.delete(moved);
        assertThat(a.load(moved, version)).isEmpty();
    }

    /** The README's snippet, as typed there (with the test's Redis as {@code uri}). */
    @Test
    void theReadmeSnippetReadsItsWriteThroughTheCache() {
        String uri = redis.uri();
        RedisSessionStore sessions = RedisSessionStore.builder(uri)
                .touchInterval(Duration.ofMinutes(1))
                .nearCache(64 * 1024 * 1024, Duration.ofSeconds(2))
                .build();
        SessionData session = sessions.newSession();
        long version = sessions.saveAsync(SessionChanges.to(session).set("cart", sessions.codec().encode("1 item"))
                .build()).join();
        // later, on any node, for the client that carries `version` (in its cookie or a header):
        Optional<SessionData> seen = sessions.load(session.id(), version);
        stores.add(sessions);

        assertThat(seen).hasValueSatisfying(s -> assertThat(s.version()).isEqualTo(version));
        assertThat(sessions.codec().decode(seen.orElseThrow().encodedAttribute("cart").orElseThrow())).isEqualTo("1 item");
    }

    @Test
    void textOptionsTurnTheCacheOn() {
        RedisSessionStore fromText = (RedisSessionStore) dev.stateless.core.session.SessionStores.create(redis.uri(),
                Map.of("near-cache-bytes", "1000000", "near-cache-max-age", "PT2S"));
        stores.add(fromText);
        assertThat(fromText.nearCache()).isNotNull();
        assertThatThrownBy(() -> dev.stateless.core.session.SessionStores.create(redis.uri(),
                Map.of("near-cache-bytes", "lots"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("near-cache-bytes");
        assertThatThrownBy(() -> dev.stateless.core.session.SessionStores.create(redis.uri(),
                Map.of("near-cache-max-age", "PT2S"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("near-cache-bytes");
    }

    @Test
    void theBoundsAreCheckedWhenBuilt() {
        assertThatThrownBy(() -> RedisSessionStore.builder(redis.uri()).nearCache(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> RedisSessionStore.builder(redis.uri()).nearCache(1000, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
    }

    /** Reads of a session from Redis: plain loads (HGETALL) and scripts. */
    private static long redisReads() {
        return hashReads() + scriptCalls();
    }

    private static long hashReads() {
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_hgetall:")) {
                String c = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(c.substring(0, c.indexOf(',')));
            }
        }
        return 0;
    }

    private static long scriptCalls() {
        long calls = 0;
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                String c = line.substring(line.indexOf("calls=") + 6);
                calls += Long.parseLong(c.substring(0, c.indexOf(',')));
            }
        }
        return calls;
    }
}
