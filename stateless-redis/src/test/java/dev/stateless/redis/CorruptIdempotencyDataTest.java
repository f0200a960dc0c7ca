package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Idempotency records in Redis that are not ours or no longer what we wrote: another Redis type
 * under the record's key, or a hash whose fields are missing or of the wrong type.
 * {@link RedisIdempotencyKeyStore} answers each within its command timeout, either with an
 * {@link Acquisition} that the filter can act on or with a {@link CorruptDataException} (not
 * {@link StoreUnavailableException}, since Redis did answer), and never leaves a half-written
 * record behind.
 */
@WithRedis
class CorruptIdempotencyDataTest {

    private static final String FINGERPRINT = "fp-1";

    private static RedisServer redis;
    private RedisIdempotencyKeyStore store;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void newStore() {
        redis.flushAll();
        store = RedisIdempotencyKeyStore.builder(redis.uri())
                .lease(Duration.ofSeconds(30))
                .retention(Duration.ofMinutes(10))
                .commandTimeout(Duration.ofSeconds(2))
                .build();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"string", "list", "set", "zset"})
    void anotherRedisTypeUnderTheRecordKeyIsATypedErrorForEveryOperationAndIsLeftAlone(String type) {
        String key = "k-" + type;
        String recordKey = recordKey(key);
        switch (type) {
            case "string" -> redis.command("SET", recordKey, "not a record");
            case "list" -> redis.command("RPUSH", recordKey, "s", "c");
            case "set" -> redis.command("SADD", recordKey, "s");
            default -> redis.command("ZADD", recordKey, "1", "s");
        }

        assertTypedRefusal(() -> store.acquire(key, FINGERPRINT));
        assertTypedRefusal(() -> store.complete(key, 1, new byte[] {1}));
        assertTypedRefusal(() -> store.release(key, 1));
        assertTypedRefusal(() -> store.extend(key, 1));

        assertThat(redis.command("TYPE", recordKey)).isEqualTo(type);
    }

    @Test
    void aCompletedRecordWithoutAResultIsCompletedWithNoBytes() {
        String key = "k-no-result";
        redis.command("HSET", recordKey(key), "s", "c", "f", FINGERPRINT, "t", "1");

        Acquisition acquisition = inTime(() -> store.acquire(key, FINGERPRINT));

        assertThat(acquisition).isInstanceOf(Acquisition.Completed.class);
        assertThat(((Acquisition.Completed) acquisition).result()).isEmpty();
    }

    @Test
    void aRecordWithoutAFingerprintIsAMismatchNotAReplay() {
        String key = "k-no-fingerprint";
        redis.command("HSET", recordKey(key), "s", "c", "t", "1", "r", "someone else's answer");

        assertThat(inTime(() -> store.acquire(key, FINGERPRINT))).isInstanceOf(Acquisition.FingerprintMismatch.class);
    }

    @Test
    void aRecordInAnUnknownStateIsTakenOverWithTheNextToken() {
        String key = "k-unknown-state";
        redis.command("HSET", recordKey(key), "s", "zz", "f", FINGERPRINT, "t", "41");

        Acquisition acquisition = inTime(() -> store.acquire(key, FINGERPRINT));

        assertThat(acquisition).isEqualTo(new Acquisition.Acquired(42));
        assertThat(redis.commandLong("PTTL", recordKey(key))).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"missing", "abc", ""})
    void aRunningRecordWhoseLeaseEndIsNotANumberIsAnsweredInTime(String leaseEnd) {
        String key = "k-lease-" + leaseEnd;
        redis.command("HSET", recordKey(key), "s", "p", "f", FINGERPRINT, "t", "1");
        if (!leaseEnd.equals("missing")) {
            redis.command("HSET", recordKey(key), "l", leaseEnd);
        }

        assertAnsweredOrTypedRefusal(() -> store.acquire(key, FINGERPRINT));
    }

    @Test
    void aFencingTokenThatIsNotANumberIsACorruptDataExceptionAndNotOverwritten() {
        String key = "k-token";
        redis.command("HSET", recordKey(key), "s", "r", "f", FINGERPRINT, "t", "abc");

        assertTypedRefusal(() -> store.acquire(key, FINGERPRINT));
        assertThat(store.complete(key, 1, new byte[] {1})).as("complete with a token that cannot match").isFalse();
        assertThat(redis.command("HGET", recordKey(key), "t")).isEqualTo("abc");
    }

    @Test
    void aLeaseEndFarInTheFutureIsInProgressNotAHang() {
        String key = "k-forever";
        redis.command("HSET", recordKey(key), "s", "p", "f", FINGERPRINT, "t", "1", "l", "1e300");

        Acquisition acquisition = inTime(() -> store.acquire(key, FINGERPRINT));

        assertThat(acquisition).isInstanceOf(Acquisition.InProgress.class);
    }

    // ---- helpers

    private static String recordKey(String key) {
        return "stateless:i:{" + RedisSupport.sha256(key) + "}";
    }

    private static <T> T inTime(Supplier<T> call) {
        try {
            return CompletableFuture.supplyAsync(call).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer within 5 s", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void assertTypedRefusal(Supplier<?> call) {
        assertThatThrownBy(() -> inTime(call)).isInstanceOf(CorruptDataException.class);
    }

    private static void assertAnsweredOrTypedRefusal(Supplier<?> call) {
        try {
            Object answer = inTime(call);
            assertThat(answer).isInstanceOf(Acquisition.class);
        } catch (CorruptDataException typed) {
            // a typed refusal is an answer too
        }
    }
}
