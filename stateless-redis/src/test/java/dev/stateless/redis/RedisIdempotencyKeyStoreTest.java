package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stateless.core.StatelessException;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.testing.IdempotencyKeyStoreContract;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The idempotency contract on a real Redis (time passes by sleeping: leases run on the server's
 * clock), plus what only Redis has: key layout, expiry, one script call per step, forgotten
 * scripts, outages and foreign data under a record's key.
 */
@WithRedis
class RedisIdempotencyKeyStoreTest extends IdempotencyKeyStoreContract {

    private static final Pattern RECORD_KEY = Pattern.compile("stateless:i:\\{[A-Za-z0-9_-]{43}\\}");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

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
    protected IdempotencyKeyStore createStore(Duration lease, Duration retention) {
        return RedisIdempotencyKeyStore.builder(redis.uri())
                .lease(lease)
                .retention(retention)
                .commandTimeout(COMMAND_TIMEOUT)
                .build();
    }

    @Override
    protected void plantUnreadable(String key) {
        String recordKey = "stateless:i:{" + RedisSupport.sha256(key) + "}";
        redis.command("DEL", recordKey);
        redis.command("SET", recordKey, "not a record");
    }

    @Override
    protected void passTime(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while passing time", e);
        }
    }

    // ---- layout

    @Test
    void aRecordIsOneHashUnderADigestOfTheKeyThatDoesNotRevealTheKey() {
        String key = "client-key-" + newKey();

        long token = acquired(store, key, "fp");

        List<String> keys = redis.commandList("KEYS", "*");
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0)).matches(RECORD_KEY).doesNotContain(key).doesNotContain("client-key");
        assertThat(redis.command("TYPE", keys.get(0))).isEqualTo("hash");
        Map<String, String> record = redis.commandMap("HGETALL", keys.get(0));
        assertThat(record).containsEntry("s", "p").containsEntry("f", "fp").containsEntry("t", Long.toString(token))
                .containsKey("l");
        assertThat(record.values()).noneMatch(v -> v.contains(key));
    }

    @Test
    void differentKeysAreDifferentRecordsAndTheKeyPrefixIsConfigurable() {
        acquired(store, newKey(), "fp");
        acquired(store, newKey(), "fp");
        IdempotencyKeyStore prefixed = RedisIdempotencyKeyStore.builder(redis.uri()).keyPrefix("app1:")
                .commandTimeout(COMMAND_TIMEOUT).build();
        try {
            acquired(prefixed, newKey(), "fp");
        } finally {
            prefixed.close();
        }

        List<String> keys = redis.commandList("KEYS", "*");
        assertThat(keys).hasSize(3);
        assertThat(keys).filteredOn(k -> k.startsWith("stateless:i:{")).hasSize(2).allMatch(k -> RECORD_KEY.matcher(k).matches());
        assertThat(keys).filteredOn(k -> k.startsWith("app1:i:{")).hasSize(1);
    }

    @Test
    void everyRecordExpiresWithinTheRetentionAfterAcquireAndAfterComplete() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        String recordKey = onlyKey();

        long afterAcquire = redis.commandLong("PTTL", recordKey);
        assertThat(afterAcquire).as("PTTL after acquire").isPositive().isLessThanOrEqualTo(RETENTION.toMillis());

        assertThat(store.complete(key, token, bytes("done"))).isTrue();
        long afterComplete = redis.commandLong("PTTL", recordKey);
        assertThat(afterComplete).as("PTTL after complete").isPositive().isLessThanOrEqualTo(RETENTION.toMillis());
        assertThat(redis.commandMap("HGETALL", recordKey)).containsEntry("s", "c").containsEntry("r", "done")
                .doesNotContainKey("l");
    }

    @Test
    void releasedAndExtendedRecordsKeepAnExpiry() {
        String released = newKey();
        assertThat(store.release(released, acquired(store, released, "fp"))).isTrue();
        String extended = newKey();
        assertThat(store.extend(extended, acquired(store, extended, "fp"))).isTrue();

        for (String recordKey : redis.commandList("KEYS", "*")) {
            assertThat(redis.commandLong("PTTL", recordKey)).as("PTTL of %s", recordKey)
                    .isPositive().isLessThanOrEqualTo(RETENTION.toMillis());
        }
        assertThat(redis.commandList("KEYS", "*")).hasSize(2);
    }

    @Test
    void refusedStepsWriteNothing() {
        String unknown = newKey();

        assertThat(store.complete(unknown, 1, bytes("ghost"))).isFalse();
        assertThat(store.release(unknown, 1)).isFalse();
        assertThat(store.extend(unknown, 1)).isFalse();

        assertThat(redis.commandLong("DBSIZE")).isZero();
    }

    // ---- round trips

    @Test
    void eachStepIsExactlyOneScriptCall() {
        String key = newKey();
        long[] held = new long[1];
        long acquire = scriptCallsOf(() -> held[0] = acquired(store, key, "fp"));
        long token = held[0];
        long inProgress = scriptCallsOf(() -> store.acquire(key, "fp"));
        long extend = scriptCallsOf(() -> store.extend(key, token));
        long release = scriptCallsOf(() -> store.release(key, token));
        long token2 = acquired(store, key, "fp");
        long complete = scriptCallsOf(() -> store.complete(key, token2, bytes("r")));
        long replay = scriptCallsOf(() -> store.acquire(key, "fp"));
        long mismatch = scriptCallsOf(() -> store.acquire(key, "other"));

        System.out.printf("[round trips] RedisIdempotencyKeyStore evalsha per step: acquire=%d, acquire(in progress)=%d,"
                + " extend=%d, release=%d, complete=%d, acquire(completed)=%d, acquire(mismatch)=%d%n",
                acquire, inProgress, extend, release, complete, replay, mismatch);
        assertThat(List.of(acquire, inProgress, extend, release, complete, replay, mismatch)).containsOnly(1L);
    }

    // ---- scripts

    @Test
    void scriptsSurviveARedisThatForgotThem() {
        String key = newKey();
        redis.command("SCRIPT", "FLUSH");
        long token = acquired(store, key, "fp");

        redis.command("SCRIPT", "FLUSH");
        assertThat(store.extend(key, token)).isTrue();
        redis.command("SCRIPT", "FLUSH");
        assertThat(store.complete(key, token, bytes("kept"))).isTrue();
        redis.command("SCRIPT", "FLUSH");
        assertThat(completedResult(store, key, "fp")).isEqualTo(bytes("kept"));

        String other = newKey();
        long otherToken = acquired(store, other, "fp");
        redis.command("SCRIPT", "FLUSH");
        assertThat(store.release(other, otherToken)).isTrue();
    }

    @Test
    void aForgottenScriptCostsOneExtraEvalOnceThenEvalshaWorksAgain() {
        String key = newKey();
        acquired(store, key, "fp"); // script known
        redis.command("SCRIPT", "FLUSH");
        redis.command("CONFIG", "RESETSTAT");

        store.acquire(key, "fp");
        assertThat(redis.calls("evalsha")).isEqualTo(1);
        assertThat(redis.calls("eval")).isEqualTo(1);

        store.acquire(key, "fp");
        assertThat(redis.calls("evalsha")).isEqualTo(2);
        assertThat(redis.calls("eval")).isEqualTo(1);
    }

    // ---- connection

    @Test
    void aFreshStoreServesABurstOfConcurrentCallersWhileRedisIsUp() throws Exception {
        int callers = 32;
        IdempotencyKeyStore fresh = open(LEASE, RETENTION); // not connected yet: the connection is lazy
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch ready = new CountDownLatch(callers);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Object>> outcomes = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                outcomes.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    try {
                        return fresh.acquire(newKey(), "fp");
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<Object> results = new ArrayList<>();
            for (Future<Object> outcome : outcomes) {
                results.add(outcome.get(10, TimeUnit.SECONDS));
            }

            long unavailable = results.stream().filter(StoreUnavailableException.class::isInstance).count();
            System.out.printf("[fresh store burst] %d callers: %d acquired, %d StoreUnavailableException%n", callers,
                    results.stream().filter(Acquisition.Acquired.class::isInstance).count(), unavailable);
            assertThat(results).allMatch(Acquisition.Acquired.class::isInstance);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- failures

    @Test
    void anUnreachableRedisIsStoreUnavailableWithinTheCommandTimeoutAndTheStoreRecovers() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        redis.stop();

        for (Supplier<Object> step : List.<Supplier<Object>>of(
                () -> store.acquire(newKey(), "fp"),
                () -> store.complete(key, token, bytes("r")),
                () -> store.release(key, token),
                () -> store.extend(key, token))) {
            long started = System.nanoTime();
            Throwable thrown = catchThrowable(step::get);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(thrown).isInstanceOf(StoreUnavailableException.class);
            assertThat(took).isLessThan(Duration.ofSeconds(4));
        }

        redis.restart();
        awaitRecovery(store);
        String fresh = newKey();
        long freshToken = acquired(store, fresh, "fp");
        assertThat(store.complete(fresh, freshToken, bytes("after the outage"))).isTrue();
        assertThat(completedResult(store, fresh, "fp")).isEqualTo(bytes("after the outage"));
    }

    @Test
    void aStoreBuiltWhileRedisIsDownWorksOnceRedisIsUp() {
        redis.stop();
        IdempotencyKeyStore early = open(LEASE, RETENTION);
        long started = System.nanoTime();
        assertThatThrownBy(() -> early.acquire(newKey(), "fp")).isInstanceOf(StoreUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));

        redis.restart();
        awaitRecovery(early);
        assertThat(early.acquire(newKey(), "fp")).isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void aForeignValueUnderARecordKeyIsATypedErrorNotAHang() throws Exception {
        String key = newKey();
        acquired(store, key, "fp");
        String recordKey = onlyKey();
        redis.command("DEL", recordKey);
        redis.command("SET", recordKey, "not a hash");

        for (Supplier<Object> step : List.<Supplier<Object>>of(
                () -> store.acquire(key, "fp"),
                () -> store.complete(key, 1, bytes("r")),
                () -> store.release(key, 1),
                () -> store.extend(key, 1))) {
            long started = System.nanoTime();
            Throwable thrown = CompletableFuture.supplyAsync(() -> catchThrowable(step::get)).get(5, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(thrown).isInstanceOf(StatelessException.class).isNotInstanceOf(StoreUnavailableException.class);
            assertThat(thrown.getMessage()).doesNotContain(key);
            assertThat(took).isLessThan(Duration.ofSeconds(2));
        }
        assertThat(redis.command("GET", recordKey)).isEqualTo("not a hash");
    }

    // ---- helpers

    private static String onlyKey() {
        List<String> keys = redis.commandList("KEYS", "*");
        assertThat(keys).hasSize(1);
        return keys.get(0);
    }

    private static long scriptCallsOf(Runnable step) {
        redis.command("CONFIG", "RESETSTAT");
        step.run();
        long evalsha = redis.calls("evalsha");
        assertThat(redis.calls("eval")).as("EVAL calls (script not cached)").isZero();
        return evalsha;
    }

    private static void awaitRecovery(IdempotencyKeyStore store) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                store.acquire(newKey(), "probe");
                return;
            } catch (StoreUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
