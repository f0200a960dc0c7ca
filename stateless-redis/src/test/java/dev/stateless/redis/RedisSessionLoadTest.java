package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The unlocked load: a plain HGETALL; its idle-expiry refresh only when due, carried by the next
 * save or sent alone (a script that never brings a session back) a moment later; {@code loadAsync}.
 */
@WithRedis
class RedisSessionLoadTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Duration TOUCH = Duration.ofMinutes(1);

    private static RedisServer redis;
    private final List<RedisSessionStore> stores = new ArrayList<>();
    private MutableClock clock;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void emptyRedis() {
        redis.reset();
        clock = MutableClock.at(Instant.now());
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisSessionStore::close);
    }

    private RedisSessionStore store(Duration touchInterval) {
        return store(RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE).touchInterval(touchInterval)
                .touchDelay(Duration.ofMillis(20)));
    }

    private RedisSessionStore store(RedisSessionStore.Builder builder) {
        RedisSessionStore store = builder.build();
        stores.add(store);
        return store;
    }

    private static SessionData saved(RedisSessionStore store) {
        SessionData session = store.newSession();
        assertThat(store.save(SessionChanges.to(session).set("user", store.codec().encode("alice")).build())).isTrue();
        return session;
    }

    @Test
    void loadAsyncAnswersWhatLoadAnswers() {
        RedisSessionStore store = store(TOUCH);
        SessionData session = saved(store);

        SessionData loaded = store.loadAsync(session.id(), 0).join().orElseThrow();

        assertThat(loaded.id()).isEqualTo(session.id());
        assertThat(store.codec().decode(loaded.encodedAttribute("user").orElseThrow())).isEqualTo("alice");
        assertThat(loaded.version()).isEqualTo(store.load(session.id()).orElseThrow().version()).isEqualTo(1);
        assertThat(store.loadAsync(SessionId.generate(), 0).join()).isEmpty();
        assertThat(store.loadAsync(SessionId.generate(), 7).join()).isEmpty();
    }

    @Test
    void loadAsyncOfAnExpiredSessionIsEmptyAndEndsIt() {
        RedisSessionStore store = store(TOUCH);
        SessionData session = saved(store);
        clock.advance(IDLE);

        assertThat(store.loadAsync(session.id(), 0).join()).isEmpty();
        awaitUntil(() -> redis.commandLong("EXISTS", key(session.id())) == 0);
    }

    @Test
    void aNearCacheHitOfLoadAsyncIsCompleteAtOnceAndSendsNothing() {
        RedisSessionStore store = store(RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE)
                .touchInterval(TOUCH).nearCache(1 << 20, Duration.ofMinutes(10)));
        SessionData created = store.newSession();
        long version = store.saveAsync(SessionChanges.to(created).set("n", store.codec().encode(1L)).build()).join();
        store.load(created.id(), version).orElseThrow(); // starts the tracking connection
        redis.command("CONFIG", "RESETSTAT");

        CompletableFuture<Optional<SessionData>> hit = store.loadAsync(created.id(), version);

        assertThat(hit).isDone();
        assertThat(hit.join().orElseThrow().version()).isEqualTo(version);
        assertThat(redis.calls("hgetall") + redis.calls("evalsha") + redis.calls("eval")).isZero();
        // a newer version than the copy's reads Redis
        assertThat(store.loadAsync(created.id(), version + 1).join().orElseThrow().version()).isEqualTo(version);
        assertThat(redis.calls("hgetall")).isEqualTo(1);
    }

    @Test
    void loadAsyncWithRedisAwayFailsThroughTheFutureWithStoreUnavailable() {
        RedisSessionStore away = store(RedisSessionStore.builder("redis://127.0.0.1:1").clock(clock)
                .commandTimeout(Duration.ofMillis(500)));

        CompletableFuture<Optional<SessionData>> load = away.loadAsync(SessionId.generate(), 0);

        assertThat(load).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingCause().isInstanceOf(StoreUnavailableException.class);
        try {
            away.load(SessionId.generate());
            throw new AssertionError("load did not fail");
        } catch (StoreUnavailableException expected) {
            // the same failure, thrown
        }
    }

    @Test
    void aKeyOfAnotherTypeIsNoSessionForLoadAsyncAndIsLeftAlone() {
        RedisSessionStore store = store(Duration.ZERO); // every access due
        SessionId id = SessionId.generate();
        redis.command("SET", key(id), "not a session");
        redis.command("CONFIG", "RESETSTAT");

        assertThat(store.loadAsync(id, 0).join()).isEmpty();
        assertThat(store.load(id)).isEmpty();

        assertThat(redis.command("GET", key(id))).isEqualTo("not a session");
        assertThat(redis.commandLong("PTTL", key(id))).isEqualTo(-1);
        assertThat(redis.calls("set") + redis.calls("pexpire") + redis.calls("hset") + redis.calls("del")).isZero();
    }

    @Test
    void theTouchIsSentOnlyWhenDue() {
        RedisSessionStore store = store(TOUCH);
        SessionData session = saved(store);
        String createdMeta = redis.command("HGET", key(session.id()), "#m");
        redis.command("CONFIG", "RESETSTAT");

        clock.advance(TOUCH.minusSeconds(1));
        store.load(session.id()).orElseThrow();
        store.loadAsync(session.id(), 0).join().orElseThrow();

        assertThat(redis.calls("hgetall")).isEqualTo(2);
        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("no touch before it is due").isZero();
        assertThat(redis.command("HGET", key(session.id()), "#m")).isEqualTo(createdMeta);

        clock.advance(Duration.ofSeconds(1));
        Instant due = clock.instant();
        SessionData loaded = store.load(session.id()).orElseThrow();

        assertThat(loaded.lastAccessedAt()).as("the session as it was before this access")
                .isEqualTo(session.lastAccessedAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        awaitUntil(() -> accessOf(session.id()) == due.toEpochMilli());
        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("one touch").isBetween(1L, 2L);
        assertThat(redis.commandLong("PTTL", key(session.id()))).isGreaterThan(IDLE.minusSeconds(10).toMillis());
    }

    @Test
    void aDueTouchIsCarriedByTheNextSaveAndSentByNothingElse() {
        RedisSessionStore store = store(RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE)
                .touchInterval(Duration.ZERO).touchDelay(Duration.ofMinutes(10)));
        SessionData session = saved(store);
        clock.advance(Duration.ofMinutes(20));
        Instant accessed = clock.instant();
        redis.command("CONFIG", "RESETSTAT");

        SessionData loaded = store.load(session.id()).orElseThrow();
        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("nothing sent with the read").isZero();
        clock.advance(Duration.ofSeconds(3));
        assertThat(store.save(SessionChanges.to(loaded).set("n", store.codec().encode(1L)).build())).isTrue();

        assertThat(accessOf(session.id())).as("the save wrote the load's access").isEqualTo(accessed.toEpochMilli());
        assertThat(redis.commandLong("PTTL", key(session.id()))).isGreaterThan(IDLE.minusMinutes(1).toMillis());
        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("the save only").isEqualTo(1);
        // 25 minutes after the load, 45 after the creation: alive, for Redis and for this node
        clock.advance(Duration.ofMinutes(25));
        assertThat(store.load(session.id())).isPresent();
    }

    @Test
    void aDueTouchWithoutASaveIsSentAloneAfterTheDelay() {
        RedisSessionStore store = store(RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE)
                .touchInterval(Duration.ZERO).touchDelay(Duration.ofMillis(50)));
        SessionData session = saved(store);
        clock.advance(Duration.ofMinutes(5));
        Instant accessed = clock.instant();

        store.loadAsync(session.id(), 0).join().orElseThrow();

        awaitUntil(() -> accessOf(session.id()) == accessed.toEpochMilli());
    }

    @Test
    void dueTouchesStartNoThreadOfTheirOwn() {
        // The JDK's default async pool, on one or two CPUs, starts a thread per task: a request that
        // loads (recording a due touch) and saves (taking it back) must not cost a thread each time.
        RedisSessionStore store = store(RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE)
                .touchInterval(Duration.ZERO).touchDelay(Duration.ofMillis(20)));
        SessionData session = saved(store);
        store.load(session.id()).orElseThrow();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long startedBefore = threads.getTotalStartedThreadCount();

        for (int n = 0; n < 300; n++) {
            clock.advance(Duration.ofMillis(10));
            SessionData loaded = store.load(session.id()).orElseThrow();
            assertThat(store.save(SessionChanges.to(loaded).set("n", store.codec().encode((long) n)).build())).isTrue();
        }
        clock.advance(Duration.ofMillis(10));
        Instant accessed = clock.instant();
        store.load(session.id()).orElseThrow();
        awaitUntil(() -> accessOf(session.id()) == accessed.toEpochMilli());

        assertThat(threads.getTotalStartedThreadCount() - startedBefore).as("threads started").isLessThan(10);
    }

    @Test
    void touchesRecordedAtDifferentTimesAreEachSentAfterTheDelay() {
        RedisSessionStore store = store(RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE)
                .touchInterval(Duration.ZERO).touchDelay(Duration.ofMillis(40)));
        List<SessionData> sessions = new ArrayList<>();
        for (int n = 0; n < 12; n++) {
            sessions.add(saved(store));
        }
        clock.advance(Duration.ofMinutes(5));
        Instant accessed = clock.instant();
        for (SessionData session : sessions) {
            store.loadAsync(session.id(), 0).join().orElseThrow();
            try {
                Thread.sleep(7); // spread over more than one sweep
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }

        awaitUntil(() -> sessions.stream().allMatch(s -> accessOf(s.id()) == accessed.toEpochMilli()));
    }

    @Test
    void aWaitingTouchIsSeenByTheNodesOwnLoadsAndSentOnClose() {
        RedisSessionStore store = store(RedisSessionStore.builder(redis.uri()).clock(clock).idleTimeout(IDLE)
                .touchInterval(Duration.ZERO).touchDelay(Duration.ofMinutes(10)));
        SessionData session = saved(store);
        clock.advance(Duration.ofMinutes(20));
        Instant accessed = clock.instant();
        store.load(session.id()).orElseThrow();
        clock.advance(Duration.ofMinutes(20)); // 40 minutes after what Redis holds, 20 after the load

        SessionData again = store.load(session.id()).orElseThrow();

        assertThat(again.lastAccessedAt()).isEqualTo(accessed.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        store.close();
        assertThat(accessOf(session.id())).isEqualTo(clock.instant().toEpochMilli());
    }

    @Test
    void aTouchThatRacesADeleteNeverBringsTheSessionBack() throws Exception {
        RedisSessionStore store = store(Duration.ZERO);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int n = 0; n < 200; n++) {
                SessionData session = saved(store);
                clock.advance(Duration.ofMillis(10));
                CompletableFuture<Void> deleted = CompletableFuture.runAsync(() -> store.delete(session.id()), pool);
                CompletableFuture<Void> touched = CompletableFuture.supplyAsync(() -> store.touch(session.id()), pool)
                        .thenCompose(t -> t);
                CompletableFuture<Optional<SessionData>> loaded = CompletableFuture
                        .supplyAsync(() -> store.loadAsync(session.id(), 0), pool).thenCompose(l -> l);
                CompletableFuture.allOf(deleted, touched, loaded).join();
                store.touch(session.id()).join();
                store.load(session.id()); // a load after the delete: its touch finds nothing
                assertThat(redis.commandLong("EXISTS", key(session.id()))).as("round %d", n).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUnknownIdIsNotCreatedByALoadOrItsTouch() {
        RedisSessionStore store = store(Duration.ZERO);
        SessionId id = SessionId.generate();

        assertThat(store.load(id)).isEmpty();
        assertThat(store.loadAsync(id, 0).join()).isEmpty();

        assertThat(redis.commandLong("EXISTS", key(id))).isZero();
    }

    private static long accessOf(SessionId id) {
        return Long.parseLong(redis.command("HGET", key(id), "#m").split(":")[2]);
    }

    private static String key(SessionId id) {
        return "stateless:s:{" + id.digest() + "}";
    }

    /** Polls (for an asynchronous write, not a speed): fails after 10 s. */
    private static void awaitUntil(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 10 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }
    }
}
