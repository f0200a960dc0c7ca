package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionStoreContract;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session contract on a real Redis, plus what only Redis has: layout, TTLs, round trips, outages. */
class RedisSessionStoreTest extends SessionStoreContract {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.stop();
    }

    @BeforeEach
    void emptyRedis() {
        if (!redis.isRunning()) {
            redis.restart();
        }
        redis.flushAll();
    }

    @Override
    protected SessionStore createStore(MutableClock clock, Duration idleTimeout, Duration absoluteTimeout,
            Duration touchInterval) {
        return RedisSessionStore.builder(redis.uri())
                .codec(testCodec())
                .clock(clock)
                .idleTimeout(idleTimeout)
                .absoluteTimeout(absoluteTimeout)
                .touchInterval(touchInterval)
                .commandTimeout(Duration.ofSeconds(1))
                .build();
    }

    private SessionData saved(Map<String, Object> attributes) {
        SessionData session = store.newSession();
        SessionChanges.Builder changes = SessionChanges.to(session);
        attributes.forEach((name, value) -> changes.set(name, store.codec().encode(value)));
        assertThat(store.save(changes.build())).isTrue();
        return store.load(session.id()).orElseThrow();
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
        assertThat(fields).containsExactlyInAnyOrder("#c", "#a", "#i", "#x", ".user", ".visits");
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
    void loadIsOneScriptCallAndSavingOneChangeIsOneMore() {
        SessionData session = saved(Map.of("a", "1", "b", 2L, "c", List.of("x")));
        redis.command("CONFIG", "RESETSTAT");

        SessionData loaded = store.load(session.id()).orElseThrow();
        assertThat(scriptCalls()).isEqualTo(1);

        store.save(SessionChanges.to(loaded).set("b", store.codec().encode(3L)).build());
        assertThat(scriptCalls()).isEqualTo(2);
        assertThat(redis.commandList("HKEYS", key(session.id()))).contains(".a", ".b", ".c");
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
