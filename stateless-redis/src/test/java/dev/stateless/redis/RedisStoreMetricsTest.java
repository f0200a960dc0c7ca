package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.core.session.SessionLockedException;
import dev.stateless.core.session.SessionStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The metrics the Redis stores record into a Micrometer registry, on a real Redis: the names and
 * tags listed in the module's README, counted once per call.
 */
@WithRedis
class RedisStoreMetricsTest {

    private static RedisServer redis;
    private SimpleMeterRegistry registry;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void freshRegistry() {
        redis.reset();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void sessionLoadSaveAndDeleteAreTimedByOutcome() {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).meterRegistry(registry).build()) {
            SessionData session = store.newSession();
            assertThat(store.load(session.id())).isEmpty();
            assertThat(store.save(SessionChanges.to(session).set("n", store.codec().encode(1)).build())).isTrue();
            assertThat(store.load(session.id())).isPresent();
            assertThat(store.load(session.id())).isPresent();
            store.delete(session.id());

            assertThat(timerCount("stateless.session.load", "miss")).isEqualTo(1);
            assertThat(timerCount("stateless.session.load", "hit")).isEqualTo(2);
            assertThat(timerCount("stateless.session.save", "saved")).isEqualTo(1);
            assertThat(timerCount("stateless.session.delete", "success")).isEqualTo(1);
            assertThat(registry.get("stateless.session.load").tag("outcome", "hit").timer().totalTime(
                    java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
        }
    }

    @Test
    void nearCacheLookupsAreCountedAsHitOrMiss() {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).nearCache(1 << 20, Duration.ofMinutes(1))
                .meterRegistry(registry).build()) {
            SessionData session = store.newSession();
            long version = store.saveAsync(SessionChanges.to(session).set("n", store.codec().encode(1)).build()).join();

            assertThat(store.load(session.id(), version)).isPresent(); // the copy the save left
            assertThat(store.load(session.id(), version + 1)).isPresent(); // newer than the copy: Redis
            assertThat(store.load(session.id(), 0)).isPresent(); // names no version: not a lookup

            assertThat(counter("stateless.session.near_cache", "result", "hit")).isEqualTo(1);
            assertThat(counter("stateless.session.near_cache", "result", "miss")).isEqualTo(1);
            assertThat(timerCount("stateless.session.load", "hit")).as("loads sent to Redis").isEqualTo(2);
        }
    }

    @Test
    void touchesAndIdChangesAreTimedByOutcome() {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).touchInterval(Duration.ZERO)
                .meterRegistry(registry).build()) {
            SessionData session = store.newSession();
            assertThat(store.save(SessionChanges.to(session).set("n", store.codec().encode(1)).build())).isTrue();
            store.touch(session.id()).join();
            store.touch(SessionId.generate()).join(); // no such session: nothing written
            SessionId moved = SessionId.generate();
            assertThat(store.changeId(session.id(), moved)).isTrue();
            assertThat(store.changeId(SessionId.generate(), SessionId.generate())).isFalse();

            assertThat(timerCount("stateless.session.touch", "touched")).isEqualTo(1);
            assertThat(timerCount("stateless.session.touch", "unchanged")).isEqualTo(1);
            assertThat(timerCount("stateless.session.change_id", "changed")).isEqualTo(1);
            assertThat(timerCount("stateless.session.change_id", "gone")).isEqualTo(1);
        }
    }

    @Test
    void aLockWaitThatRunsOutAndForeignDataAreTaggedLockedAndCorrupt() {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).meterRegistry(registry).build()) {
            SessionData session = store.newSession();
            store.save(SessionChanges.to(session).set("n", store.codec().encode(1)).build());
            SessionLock lock = new SessionLock(Duration.ofSeconds(30), Duration.ofMillis(50));
            assertThat(store.load(session.id(), lock)).isPresent();
            assertThatThrownBy(() -> store.load(session.id(), lock)).isInstanceOf(SessionLockedException.class);

            SessionData other = store.newSession();
            redis.command("SET", "stateless:s:{" + other.id().digest() + "}", "not a session");
            assertThatThrownBy(() -> store.save(SessionChanges.to(other).set("n", store.codec().encode(1)).build()))
                    .isInstanceOf(CorruptDataException.class);

            assertThat(timerCount("stateless.session.load", "hit")).isEqualTo(1);
            assertThat(timerCount("stateless.session.load", "locked")).isEqualTo(1);
            assertThat(timerCount("stateless.session.save", "corrupt")).isEqualTo(1);
            assertThat(registry.find("stateless.store.unavailable").counters()).isEmpty();
        }
    }

    @Test
    void storesFromOneRedisStoresRecordIntoItsRegistryUnlessTheirBuilderNamesAnother() {
        SimpleMeterRegistry own = new SimpleMeterRegistry();
        try (RedisStores redisStores = RedisStores.builder(redis.uri()).meterRegistry(registry).build()) {
            SessionStore sessions = redisStores.sessionStore().build();
            IdempotencyKeyStore keys = redisStores.idempotencyKeyStore().meterRegistry(own).build();
            sessions.load(SessionId.generate());
            keys.acquire("k", "f");
            assertThat(redisStores.health().isUp()).isTrue();

            assertThat(timerCount("stateless.session.load", "miss")).isEqualTo(1);
            assertThat(registry.find("stateless.idempotency.acquire").timers()).isEmpty();
            assertThat(own.get("stateless.idempotency.acquire").tag("outcome", "acquired").timer().count()).isEqualTo(1);
            // one connection, whose Lettuce latencies go to the RedisStores' registry
            assertThat(registry.find("lettuce.command.completion").tag("command", "EVALSHA").timer()).isNotNull();
            assertThat(own.find("lettuce.command.completion").timers()).isEmpty();
        } finally {
            own.close();
        }
    }

    @Test
    void lettuceCommandLatenciesGoToTheSameRegistry() {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).meterRegistry(registry).build()) {
            store.load(SessionId.generate());
            // Lettuce's recorder times each command; a plain load is one HGETALL.
            assertThat(registry.find("lettuce.command.completion").tag("command", "HGETALL").timer())
                    .isNotNull()
                    .satisfies(t -> assertThat(t.count()).isGreaterThanOrEqualTo(1));
            assertThat(registry.find("lettuce.command.firstresponse").tag("command", "HGETALL").timer()).isNotNull();
            // one series per command and server; the local address is not a tag value of its own
            assertThat(registry.get("lettuce.command.completion").tag("command", "HGETALL").timer().getId().getTags())
                    .extracting(io.micrometer.core.instrument.Tag::getKey).containsExactlyInAnyOrder("command", "local", "remote");
            assertThat(registry.get("lettuce.command.completion").tag("command", "HGETALL").timer().getId().getTag("local"))
                    .isEqualTo("local:any");
        }
    }

    @Test
    void idempotencyStepsAreTimedByOutcome() {
        try (RedisIdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(redis.uri()).meterRegistry(registry)
                .build()) {
            Acquisition.Acquired first = (Acquisition.Acquired) store.acquire("k", "f1");
            assertThat(store.acquire("k", "f1")).isInstanceOf(Acquisition.InProgress.class);
            assertThat(store.acquire("k", "f2")).isInstanceOf(Acquisition.FingerprintMismatch.class);
            assertThat(store.complete("k", first.token(), new byte[] {1})).isTrue();
            assertThat(store.complete("k", first.token() + 1, new byte[] {1})).isFalse();
            assertThat(store.acquire("k", "f1")).isInstanceOf(Acquisition.Completed.class);
            Acquisition.Acquired other = (Acquisition.Acquired) store.acquire("other", "f", "scope", 1);
            assertThat(store.acquire("third", "f", "scope", 1)).isInstanceOf(Acquisition.LimitReached.class);
            assertThat(store.extend("other", other.token())).isTrue();
            assertThat(store.release("other", other.token())).isTrue();
            Acquisition.Acquired failing = (Acquisition.Acquired) store.acquire("failing", "f");
            assertThat(store.fail("failing", failing.token())).isTrue();

            assertThat(timerCount("stateless.idempotency.acquire", "acquired")).isEqualTo(3);
            assertThat(timerCount("stateless.idempotency.acquire", "in_progress")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.acquire", "mismatch")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.acquire", "completed")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.acquire", "limit_reached")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.complete", "done")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.complete", "fenced")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.extend", "done")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.release", "done")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.fail", "done")).isEqualTo(1);
        }
    }

    @Test
    void anAnswerRecordedAsynchronouslyIsTimedLikeASynchronousOne() {
        try (RedisIdempotencyKeyStore store = RedisIdempotencyKeyStore.builder(redis.uri()).meterRegistry(registry)
                .build()) {
            Acquisition.Acquired first = (Acquisition.Acquired) store.acquire("async", "f");
            assertThat(store.completeAsync("async", first.token(), new byte[] {1}).join()).isTrue();
            assertThat(store.completeAsync("async", first.token() + 1, new byte[] {1}).join()).isFalse();

            assertThat(timerCount("stateless.idempotency.complete", "done")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.complete", "fenced")).isEqualTo(1);
        }
    }

    @Test
    void aStoppedRedisIsCountedAsUnavailableByOperation() {
        try (RedisSessionStore sessions = RedisSessionStore.builder(redis.uri()).commandTimeout(Duration.ofMillis(500))
                .meterRegistry(registry).build();
                RedisIdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(redis.uri())
                        .commandTimeout(Duration.ofMillis(500)).meterRegistry(registry).build()) {
            SessionId id = SessionId.generate();
            sessions.load(id);
            keys.acquire("warm", "f");
            redis.stop();
            assertThatThrownBy(() -> sessions.load(id)).isInstanceOf(StoreUnavailableException.class);
            assertThatThrownBy(() -> sessions.delete(id)).isInstanceOf(StoreUnavailableException.class);
            assertThatThrownBy(() -> keys.acquire("k", "f")).isInstanceOf(StoreUnavailableException.class);

            assertThat(timerCount("stateless.session.load", "unavailable")).isEqualTo(1);
            assertThat(timerCount("stateless.session.delete", "unavailable")).isEqualTo(1);
            assertThat(timerCount("stateless.idempotency.acquire", "unavailable")).isEqualTo(1);
            assertThat(counter("stateless.store.unavailable", "operation", "session.load")).isEqualTo(1);
            assertThat(counter("stateless.store.unavailable", "operation", "session.delete")).isEqualTo(1);
            assertThat(counter("stateless.store.unavailable", "operation", "idempotency.acquire")).isEqualTo(1);
        }
    }

    @Test
    void codecRefusalsAreCountedByOperationAndReason() {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri())
                .codec(JsonAttributeCodec.builder().build()).meterRegistry(registry).build()) {
            assertThatThrownBy(() -> store.codec().encode(new Object() { }))
                    .isInstanceOf(AttributeCodecException.class);
            assertThatThrownBy(() -> store.codec().decode("{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .isInstanceOf(AttributeCodecException.class);
            assertThatThrownBy(() -> store.codec().requireEncodable(Thread.class))
                    .isInstanceOf(AttributeCodecException.class);

            assertThat(registry.get("stateless.codec.refused").tag("operation", "encode")
                    .tag("reason", "unsupported_type").counter().count()).isEqualTo(1);
            assertThat(registry.get("stateless.codec.refused").tag("operation", "decode")
                    .tag("reason", "undecodable").counter().count()).isEqualTo(1);
            assertThat(registry.get("stateless.codec.refused").tag("operation", "check").counter().count()).isEqualTo(1);
            // what the codec accepts is not counted, and comes back as it went in
            assertThat(store.codec().decode(store.codec().encode("text"))).isEqualTo("text");
            assertThat(registry.get("stateless.codec.refused").counters()).hasSize(3);
        }
    }

    @Test
    void withoutARegistryTheStoreRecordsNothingAndKeepsItsCodec() {
        JsonAttributeCodec codec = JsonAttributeCodec.builder().build();
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).codec(codec).build()) {
            assertThat(store.codec()).isSameAs(codec);
            assertThat(store.load(SessionId.generate())).isEqualTo(Optional.empty());
            assertThat(store.toString()).contains("metrics=off");
        }
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void everyMeterOfOurOwnFollowsTheNamingConvention() {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).meterRegistry(registry).build()) {
            store.load(SessionId.generate());
        }
        List<String> ours = registry.getMeters().stream().map(Meter::getId).map(Meter.Id::getName)
                .filter(n -> n.startsWith("stateless.")).toList();
        assertThat(ours).isNotEmpty().allMatch(n -> n.matches("[a-z]+(\\.[a-z_]+)+"));
    }

    private long timerCount(String name, String outcome) {
        var timer = registry.find(name).tag("outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    private double counter(String name, String tag, String value) {
        var counter = registry.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }
}
