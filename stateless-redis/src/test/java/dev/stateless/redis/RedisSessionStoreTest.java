package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.core.session.SessionStore;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.SessionStoreContract;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session contract on a real Redis, plus what only Redis has: layout, TTLs, round trips, outages. */
@WithRedis
class RedisSessionStoreTest extends SessionStoreContract {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void emptyRedis() {
        redis.reset();
    }

    @Override
    protected SessionStore createStore(MutableClock clock, Duration idleTimeout, Duration absoluteTimeout,
            Duration touchInterval) {
        return builder(clock).idleTimeout(idleTimeout).absoluteTimeout(absoluteTimeout).touchInterval(touchInterval)
                .build();
    }

    private RedisSessionStore.Builder builder(MutableClock clock) {
        return RedisSessionStore.builder(redis.uri()).codec(testCodec()).clock(clock).commandTimeout(Duration.ofSeconds(1));
    }

    @Override
    protected SessionStore createStoreWithSessionLimit(MutableClock clock, int maxSessionsPerPrincipal) {
        return builder(clock).maxSessionsPerPrincipal(maxSessionsPerPrincipal).build(); // default timeouts
    }

    @Override
    protected void plantUnreadable(SessionId id) {
        redis.command("HSET", key(id), "#m", "not:a:number", "#a", "not a number", "#x", "");
    }

    private SessionData saved(Map<String, Object> attributes) {
        SessionData session = store.newSession();
        SessionChanges.Builder changes = SessionChanges.to(session);
        attributes.forEach((name, value) -> changes.set(name, store.codec().encode(value)));
        assertThat(store.save(changes.build())).isTrue();
        return store.load(session.id()).orElseThrow();
    }

    /** One part of {@code #m} (0 version, 1 created, 2 last access, 3 idle timeout, 4 absolute expiry). */
    private static String meta(SessionId id, int part) {
        return redis.command("HGET", key(id), "#m").split(":")[part];
    }

    private static String key(SessionId id) {
        return "stateless:s:{" + id.digest() + "}";
    }

    @Test
    void aSessionIsOneHashUnderTheDigestOfItsIdWithAnExpiry() {
        SessionData session = saved(Map.of("user", "ada", "visits", 3L));

        List<String> keys = redis.commandList("KEYS", "*");
        assertThat(keys).containsExactly(key(session.id()));
        assertThat(keys.get(0)).doesNotContain(session.id().value());
        List<String> fields = redis.commandList("HKEYS", key(session.id()));
        assertThat(fields).containsExactlyInAnyOrder("#m", ".user", ".visits");
        assertThat(redis.command("HGET", key(session.id()), "#m")).as("version:created:access:idle:expiry")
                .isEqualTo("1:" + session.createdAt().toEpochMilli() + ":" + session.lastAccessedAt().toEpochMilli()
                        + ":" + IDLE.toMillis() + ":" + session.absoluteExpiry().toEpochMilli());
        long ttl = redis.commandLong("PTTL", key(session.id()));
        assertThat(ttl).isPositive().isLessThanOrEqualTo(IDLE.toMillis());
    }

    @Test
    void theKeyExpiresNoLaterThanTheAbsoluteTimeout() {
        SessionStore shortLived = open(Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ZERO);
        SessionData session = shortLived.newSession();
        shortLived.save(SessionChanges.to(session).set("a", shortLived.codec().encode("x")).build());

        assertThat(redis.commandLong("PTTL", key(session.id()))).isPositive()
                .isLessThanOrEqualTo(Duration.ofMinutes(5).toMillis());
    }

    @Test
    void loadIsOneHashReadAndSavingOneChangeIsOneScriptCall() {
        SessionStore touchingLater = open(IDLE, ABSOLUTE, Duration.ofMinutes(1));
        SessionData session = saved(Map.of("a", "1", "b", 2L, "c", List.of("x")));
        redis.command("CONFIG", "RESETSTAT");

        // Not due for a touch: one plain read, no script.
        SessionData loaded = touchingLater.load(session.id()).orElseThrow();
        assertThat(redis.calls("hgetall")).isEqualTo(1);
        assertThat(scriptCalls()).isZero();

        touchingLater.save(SessionChanges.to(loaded).set("b", touchingLater.codec().encode(3L)).build());
        assertThat(scriptCalls()).isEqualTo(1);
        assertThat(redis.calls("hgetall")).isEqualTo(1);
        assertThat(redis.commandList("HKEYS", key(session.id()))).contains(".a", ".b", ".c");
    }

    @Test
    void aSessionWithoutIdleTimeoutIsStoredWithIdleZeroAndLivesInRedisUntilItsAbsoluteExpiry() {
        SessionData session = store.newSession();
        store.save(SessionChanges.to(session).idleTimeout(Duration.ZERO).build());

        assertThat(meta(session.id(), 3)).as("idle timeout").isEqualTo("0");
        assertThat(redis.commandLong("PTTL", key(session.id()))).isGreaterThan(IDLE.toMillis())
                .isLessThanOrEqualTo(ABSOLUTE.toMillis());
        clock.advance(Duration.ofHours(1));
        store.load(session.id()).orElseThrow();
        // the load's refresh is sent a moment later (no save carries it): wait for it
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (redis.commandLong("PTTL", key(session.id())) > ABSOLUTE.minusHours(1).toMillis()
                && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertThat(redis.commandLong("PTTL", key(session.id()))).as("after a touch: still the absolute expiry")
                .isGreaterThan(IDLE.toMillis()).isLessThanOrEqualTo(ABSOLUTE.minusHours(1).toMillis());
    }

    @Test
    void aLockedSessionHoldsItsLockInTwoHashFieldsThatSaveClears() {
        SessionData session = saved(Map.of("a", "1"));
        SessionData locked = store.load(session.id(), LOCK).orElseThrow();

        Map<String, String> hash = redis.commandMap("HGETALL", key(session.id()));
        assertThat(hash).containsEntry("#l", locked.lockToken().orElseThrow())
                .containsEntry("#lx", Long.toString(clock.instant().plus(LOCK.lease()).toEpochMilli()));

        store.save(SessionChanges.to(locked).set("a", store.codec().encode("2")).build());
        assertThat(redis.commandList("HKEYS", key(session.id()))).doesNotContain("#l", "#lx");
    }

    @Test
    void lockedLoadIsOneScriptCallAndSaveWithItsReleaseIsOneMore() {
        SessionData session = saved(Map.of("a", "1", "b", 2L));
        store.unlock(store.load(session.id(), LOCK).orElseThrow()); // Redis now holds every script used below
        redis.command("CONFIG", "RESETSTAT");

        SessionData locked = store.load(session.id(), LOCK).orElseThrow();
        assertThat(scriptCalls()).as("locked load").isEqualTo(1);

        store.save(SessionChanges.to(locked).set("b", store.codec().encode(3L)).build());
        assertThat(scriptCalls()).as("locked load, then save and release").isEqualTo(2);
        assertThat(redis.commandList("HKEYS", key(session.id()))).doesNotContain("#l");

        SessionData again = store.load(session.id(), LOCK).orElseThrow();
        store.unlock(again);
        assertThat(scriptCalls()).as("then a locked load and an unlock").isEqualTo(4);
        assertThat(redis.commandList("HKEYS", key(session.id()))).doesNotContain("#l");
    }

    @Test
    void touchIsOneScriptCallThatReadsNoAttribute() throws Exception {
        SessionData session = saved(Map.of("a", "x".repeat(10_000)));
        store.touch(session.id()).get(10, TimeUnit.SECONDS); // Redis now holds the script
        clock.advance(Duration.ofMinutes(5));
        redis.command("CONFIG", "RESETSTAT");

        store.touch(session.id()).get(10, TimeUnit.SECONDS);

        assertThat(scriptCalls()).isEqualTo(1);
        assertThat(redis.calls("hgetall")).isZero();
        assertThat(meta(session.id(), 2)).as("last access")
                .isEqualTo(Long.toString(clock.instant().toEpochMilli()));
    }

    @Test
    void touchWhileRedisIsDownFailsItsFutureWithStoreUnavailableAndThrowsNothing() {
        SessionData session = saved(Map.of("a", "1"));
        redis.stop();

        CompletableFuture<Void> touched = store.touch(session.id());

        assertThatThrownBy(() -> touched.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void touchOfAStoreThatNeverConnectedFailsItsFutureWhileRedisIsDown() {
        redis.stop();
        SessionStore early = open(IDLE, ABSOLUTE, Duration.ZERO);

        CompletableFuture<Void> touched = early.touch(SessionId.generate());

        assertThatThrownBy(() -> touched.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void touchSurvivesARedisThatForgotTheScript() throws Exception {
        SessionData session = saved(Map.of("a", "1"));
        clock.advance(Duration.ofMinutes(5));
        redis.command("SCRIPT", "FLUSH");

        store.touch(session.id()).get(10, TimeUnit.SECONDS);

        assertThat(meta(session.id(), 2)).as("last access")
                .isEqualTo(Long.toString(clock.instant().toEpochMilli()));
    }

    /**
     * Two stores on two connections, as two nodes: 1 + 20 concurrent "load with the lock, append to
     * a list kept in the session, save" requests keep all 21 items.
     */
    @Test
    void lockedAppendsThroughTwoStoresLikeTwoNodesLoseNothing() throws Exception {
        SessionStore nodeA = open(IDLE, ABSOLUTE, Duration.ZERO);
        SessionStore nodeB = open(IDLE, ABSOLUTE, Duration.ZERO);
        SessionData session = nodeA.newSession();
        nodeA.save(SessionChanges.to(session).build());
        SessionLock lock = new SessionLock(Duration.ofSeconds(30), Duration.ofSeconds(60));
        int requests = 21;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int n = 0; n < requests; n++) {
                SessionStore node = n % 2 == 0 ? nodeA : nodeB;
                String item = "request-" + n;
                done.add(pool.submit(() -> {
                    SessionData locked = node.load(session.id(), lock).orElseThrow();
                    List<Object> list = new ArrayList<>();
                    locked.encodedAttribute("list").ifPresent(bytes -> list.addAll((List<?>) node.codec().decode(bytes)));
                    list.add(item);
                    assertThat(node.save(SessionChanges.to(locked).set("list", node.codec().encode(list)).build()))
                            .isTrue();
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<?> list = (List<?>) nodeA.codec().decode(nodeB.load(session.id()).orElseThrow()
                .encodedAttribute("list").orElseThrow());
        assertThat(list).hasSize(requests).doesNotHaveDuplicates();
        assertThat(redis.commandList("HKEYS", key(session.id()))).doesNotContain("#l", "#lx");
    }

    @Test
    void changeIdLeavesTheLockFieldsBehind() {
        SessionData session = saved(Map.of("a", "1"));
        store.load(session.id(), LOCK).orElseThrow();
        SessionId newId = SessionId.generate();

        assertThat(store.changeId(session.id(), newId)).isTrue();

        assertThat(redis.commandList("HKEYS", key(newId))).containsExactlyInAnyOrder("#m", ".a");
    }

    @Test
    void savingNoChangesSendsNothing() {
        SessionData session = saved(Map.of("a", "1"));
        redis.command("CONFIG", "RESETSTAT");

        assertThat(store.save(SessionChanges.to(session).build())).isTrue();

        assertThat(redis.command("INFO", "commandstats")).doesNotContain("cmdstat_evalsha", "cmdstat_hset");
    }

    @Test
    void scriptsSurviveARedisThatForgotThem() {
        SessionData session = saved(Map.of("a", "1"));
        redis.command("SCRIPT", "FLUSH");

        SessionData loaded = store.load(session.id()).orElseThrow();
        redis.command("SCRIPT", "FLUSH");
        assertThat(store.save(SessionChanges.to(loaded).set("a", store.codec().encode("2")).build())).isTrue();

        assertThat(store.codec().decode(store.load(session.id()).orElseThrow().encodedAttribute("a").orElseThrow()))
                .isEqualTo("2");
    }

    @Test
    void aKeyThatIsNotOneOfOurSessionsIsIgnored() {
        SessionId planted = SessionId.generate();
        redis.command("SET", key(planted), "not a hash");
        SessionId noMetadata = SessionId.generate();
        redis.command("HSET", key(noMetadata), ".a", "[\"J\",1]");

        assertThat(store.load(planted)).isEmpty();
        assertThat(store.load(noMetadata)).isEmpty();
    }

    @Test
    void anUnreachableRedisIsStoreUnavailableAndTheStoreRecoversByItself() {
        SessionData session = saved(Map.of("a", "1"));
        redis.stop();

        long started = System.nanoTime();
        assertThatThrownBy(() -> store.load(session.id())).isInstanceOf(StoreUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

        redis.restart();
        SessionData fresh = awaitRecovery();
        assertThat(store.load(fresh.id())).isPresent();
    }

    @Test
    void aStoreBuiltWhileRedisIsDownWorksOnceRedisIsUp() {
        redis.stop();
        SessionStore early = open(IDLE, ABSOLUTE, Duration.ZERO);
        SessionData session = early.newSession();
        assertThatThrownBy(() -> early.save(SessionChanges.to(session).build()))
                .isInstanceOf(StoreUnavailableException.class);

        redis.restart();
        // Calls fail fast for a moment after a failed connection attempt, then connect.
        assertThat(eventually(() -> early.save(SessionChanges.to(session).build()))).isTrue();
        assertThat(early.load(session.id())).isPresent();
    }

    private SessionData awaitRecovery() {
        return eventually(() -> {
            SessionData session = store.newSession();
            store.save(SessionChanges.to(session).build());
            return session;
        });
    }

    @Test
    void theSessionLimitIsAStoreOptionAndALoginBeyondItLeavesOnlyTheNewestSessionInRedis() {
        try (SessionStore limited = dev.stateless.core.session.SessionStores.create(redis.uri(),
                new java.util.HashMap<>(Map.of("max-sessions-per-principal", "1")))) {
            SessionData first = limited.newSession();
            limited.save(SessionChanges.to(first).principal("alice").build());
            SessionData second = limited.newSession();
            limited.save(SessionChanges.to(second).principal("alice").build());

            assertThat(redis.commandList("KEYS", "stateless:s:*")).containsExactly(key(second.id()));
            String index = redis.commandList("KEYS", "stateless:p:*").get(0);
            assertThat(redis.commandList("ZRANGE", index, "0", "-1")).containsExactly(second.id().digest());
        }
        assertThatThrownBy(() -> dev.stateless.core.session.SessionStores.create(redis.uri(),
                new java.util.HashMap<>(Map.of("max-sessions-per-principal", "0"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max-sessions-per-principal");
    }

    /** Retries while the store is unavailable, for up to 20 s. */
    private static <T> T eventually(java.util.function.Supplier<T> call) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return call.get();
            } catch (StoreUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static long scriptCalls() {
        return redis.calls("evalsha") + redis.calls("eval");
    }
}
