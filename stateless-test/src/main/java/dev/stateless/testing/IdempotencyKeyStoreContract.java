package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.Health;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link IdempotencyKeyStore} must do, run by each implementation's test. A store may
 * keep time itself (Redis uses its server clock), so the contract never reads a clock: time moves
 * only through {@link #passTime}, which a store on an injected clock implements by advancing it
 * and a store on real time by sleeping. Expiry scenarios therefore use short leases
 * ({@link #SHORT_LEASE}) and pass a little more than the lease.
 *
 * <p>Every test uses fresh random keys, so a store over a shared server needs no flush. Stores
 * opened through {@link #open} are closed after each test.
 */
public abstract class IdempotencyKeyStoreContract {

    /** Long enough that nothing expires during a test that does not pass time on purpose. */
    protected static final Duration LEASE = Duration.ofSeconds(30);
    /** How long the default store keeps a record. */
    protected static final Duration RETENTION = Duration.ofMinutes(10);
    /** For the scenarios where a lease runs out; {@link #expireLease} passes a little more. */
    protected static final Duration SHORT_LEASE = Duration.ofMillis(300);
    private static final Duration MARGIN = Duration.ofMillis(100);

    /** The store each test starts with (lease {@code LEASE}, retention {@link #RETENTION}). */
    protected IdempotencyKeyStore store;
    private final List<IdempotencyKeyStore> opened = new ArrayList<>();

    /**
     * A fresh store with this lease and retention.
     *
     * @param lease the lease of the store's keys
     * @param retention how long the store keeps a record
     * @return the store; the contract closes it
     */
    protected abstract IdempotencyKeyStore createStore(Duration lease, Duration retention);

    /**
     * Lets {@code duration} pass for the stores of this test (advance their clock, or sleep).
     *
     * @param duration how much time passes
     */
    protected abstract void passTime(Duration duration);

    /**
     * Replaces the record under {@code key} in {@link #store} by data it cannot read, as a backend
     * may find it: for Redis, another kind of value under the record's key.
     *
     * @param key a key
     */
    protected abstract void plantUnreadable(String key);

    // protected final: a subclass in another package cannot shadow these by accident
    /** Opens {@link #store} before each test. */
    @BeforeEach
    protected final void openDefaultStore() {
        store = open(LEASE, RETENTION);
    }

    /** Closes every store the test opened. */
    @AfterEach
    protected final void closeStores() {
        opened.forEach(IdempotencyKeyStore::close);
        opened.clear();
    }

    /**
     * Another store, closed after the test.
     *
     * @param lease the lease of the store's keys
     * @param retention how long the store keeps a record
     * @return the store
     */
    protected final IdempotencyKeyStore open(Duration lease, Duration retention) {
        IdempotencyKeyStore created = createStore(lease, retention);
        opened.add(created);
        return created;
    }

    /**
     * A store whose leases run out quickly; see {@link #expireLease}.
     *
     * @return the store
     */
    protected final IdempotencyKeyStore openShortLease() {
        return open(SHORT_LEASE, RETENTION);
    }

    /** Lets a short lease (from {@link #openShortLease}) run out. */
    protected final void expireLease() {
        passTime(SHORT_LEASE.plus(MARGIN));
    }

    /**
     * A key no test used before.
     *
     * @return a key no test used
     */
    protected static String newKey() {
        return "idem-test-" + UUID.randomUUID();
    }

    // ---- health

    @Test
    void aStoreThatServesIsNotReportedDown() {
        Health health = store.health();

        assertThat(health.status()).as("%s", health).isNotEqualTo(Health.Status.DOWN);
        assertThat(health.isUp() ? health.error() : java.util.Optional.empty()).isEmpty();
    }

    // ---- recorded failures (issue 11, item 1)

    @Test
    void aFailedKeyIsNeverAcquiredAgainButAnswersFailed() {
        String key = newKey();
        long token = ((Acquisition.Acquired) store.acquire(key, "fp")).token();

        assertThat(store.fail(key, token)).isTrue();

        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.Failed.class);
        assertThat(store.acquire(key, "other")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        assertThat(store.complete(key, token, new byte[] {1})).as("ended: nothing more is stored").isFalse();
        assertThat(store.release(key, token)).isFalse();
    }

    @Test
    void aFailedKeyStaysFailedAfterItsLeaseWouldHaveEnded() {
        IdempotencyKeyStore shortLease = openShortLease();
        String key = newKey();
        long token = ((Acquisition.Acquired) shortLease.acquire(key, "fp")).token();
        assertThat(shortLease.fail(key, token)).isTrue();

        expireLease();

        assertThat(shortLease.acquire(key, "fp")).isInstanceOf(Acquisition.Failed.class);
    }

    @Test
    void onlyTheHolderMayFailAKey() {
        String key = newKey();
        long token = ((Acquisition.Acquired) store.acquire(key, "fp")).token();

        assertThat(store.fail(key, token + 1)).isFalse();
        assertThat(store.fail(newKey(), 1)).isFalse();
        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.InProgress.class);
    }

    // ---- record limits (issue 11, item 15)

    @Test
    void aScopeAtItsLimitGetsLimitReachedForANewKeyAndNothingIsStored() {
        String scope = "scope-" + UUID.randomUUID();
        String first = newKey();
        String second = newKey();
        String third = newKey();
        assertThat(store.acquire(first, "fp", scope, 2)).isInstanceOf(Acquisition.Acquired.class);
        assertThat(store.acquire(second, "fp", scope, 2)).isInstanceOf(Acquisition.Acquired.class);

        Acquisition refused = store.acquire(third, "fp", scope, 2);

        assertThat(refused).isInstanceOfSatisfying(Acquisition.LimitReached.class, limit ->
                assertThat(limit.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1)));
        assertThat(store.acquire(third, "other")).as("no record was made for the refused key")
                .isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void keysThatHaveARecordAreNotCountedAgainstTheLimit() {
        String scope = "scope-" + UUID.randomUUID();
        String key = newKey();
        long token = ((Acquisition.Acquired) store.acquire(key, "fp", scope, 1)).token();

        assertThat(store.acquire(key, "fp", scope, 1)).isInstanceOf(Acquisition.InProgress.class);
        assertThat(store.release(key, token)).isTrue();
        assertThat(store.acquire(key, "fp", scope, 1)).as("a retry after a release").isInstanceOf(Acquisition.Acquired.class);
        assertThat(store.acquire(newKey(), "fp", scope, 1)).isInstanceOf(Acquisition.LimitReached.class);
        assertThat(store.acquire(newKey(), "fp", "another-" + scope, 1)).isInstanceOf(Acquisition.Acquired.class);
    }

    // ---- acquiring

    @Test
    void firstAcquireOfAKeyGetsTheLeaseWithAPositiveToken() {
        Acquisition acquisition = store.acquire(newKey(), "POST /orders #1");

        assertThat(acquisition).isInstanceOf(Acquisition.Acquired.class);
        assertThat(((Acquisition.Acquired) acquisition).token()).isPositive();
    }

    @Test
    void repeatWhileRunningIsInProgressWithWhatIsLeftOfTheLease() {
        String key = newKey();
        acquired(store, key, "fp");

        Acquisition repeat = store.acquire(key, "fp");

        assertThat(repeat).isInstanceOf(Acquisition.InProgress.class);
        assertThat(((Acquisition.InProgress) repeat).retryAfter())
                .isPositive()
                .isLessThanOrEqualTo(LEASE);
    }

    @Test
    void repeatWhileRunningOnAShortLeaseIsInProgressWithAtMostThatLease() {
        IdempotencyKeyStore shortLease = openShortLease();
        String key = newKey();
        acquired(shortLease, key, "fp");

        Acquisition repeat = shortLease.acquire(key, "fp");

        assertThat(repeat).isInstanceOf(Acquisition.InProgress.class);
        assertThat(((Acquisition.InProgress) repeat).retryAfter())
                .isPositive()
                .isLessThanOrEqualTo(SHORT_LEASE);
    }

    @Test
    void keysAreIndependent() {
        String a = newKey();
        String b = newKey();
        acquired(store, a, "fp");

        assertThat(store.acquire(b, "fp")).isInstanceOf(Acquisition.Acquired.class);
        assertThat(store.acquire(b, "other fp")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        assertThat(store.acquire(a, "fp")).isInstanceOf(Acquisition.InProgress.class);
    }

    // ---- completing

    @Test
    void repeatAfterCompletionGetsTheStoredResult() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        byte[] result = "{\"orderId\":42}".getBytes(StandardCharsets.UTF_8);

        assertThat(store.complete(key, token, result)).isTrue();

        assertThat(completedResult(store, key, "fp")).isEqualTo(result);
        assertThat(completedResult(store, key, "fp")).isEqualTo(result);
    }

    @Test
    void emptyResultRoundTrips() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        assertThat(store.complete(key, token, new byte[0])).isTrue();

        assertThat(completedResult(store, key, "fp")).isEmpty();
    }

    @Test
    void everyByteValueRoundTrips() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        byte[] result = new byte[512];
        for (int i = 0; i < result.length; i++) {
            result[i] = (byte) i; // 0..255 twice, including 0x00, CR, LF and invalid UTF-8
        }

        assertThat(store.complete(key, token, result)).isTrue();

        assertThat(completedResult(store, key, "fp")).isEqualTo(result);
    }

    @Test
    void largeResultRoundTrips() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        byte[] result = new byte[1024 * 1024];
        new Random(7).nextBytes(result);

        assertThat(store.complete(key, token, result)).isTrue();

        assertThat(completedResult(store, key, "fp")).isEqualTo(result);
    }

    @Test
    void completeStoresACopyOfTheResult() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        byte[] result = {1, 2, 3};

        assertThat(store.complete(key, token, result)).isTrue();
        result[0] = 9;

        assertThat(completedResult(store, key, "fp")).containsExactly(1, 2, 3);
    }

    @Test
    void completeWithAWrongTokenIsRefusedAndStoresNothing() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        assertThat(store.complete(key, token + 1, bytes("forged"))).isFalse();
        assertThat(store.complete(key, token - 1, bytes("forged"))).isFalse();
        assertThat(store.complete(key, 0, bytes("forged"))).isFalse();

        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.InProgress.class);
        assertThat(store.complete(key, token, bytes("real"))).isTrue();
        assertThat(completedResult(store, key, "fp")).isEqualTo(bytes("real"));
    }

    @Test
    void completeForAnUnknownKeyIsRefusedAndCreatesNothing() {
        String key = newKey();

        assertThat(store.complete(key, 1, bytes("ghost"))).isFalse();

        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void secondCompleteIsRefusedAndTheFirstResultRemains() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        assertThat(store.complete(key, token, bytes("first"))).isTrue();
        assertThat(store.complete(key, token, bytes("second"))).isFalse();

        assertThat(completedResult(store, key, "fp")).isEqualTo(bytes("first"));
    }

    @Test
    void releaseAfterCompleteIsRefusedAndTheResultRemains() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        assertThat(store.complete(key, token, bytes("done"))).isTrue();

        assertThat(store.release(key, token)).isFalse();
        assertThat(store.extend(key, token)).isFalse();

        assertThat(completedResult(store, key, "fp")).isEqualTo(bytes("done"));
    }

    // ---- fingerprints

    @Test
    void anotherFingerprintIsAMismatchInEveryState() {
        IdempotencyKeyStore shortLease = openShortLease();
        String running = newKey();
        String completed = newKey();
        String released = newKey();
        String expired = newKey();
        acquired(shortLease, running, "fp");
        assertThat(shortLease.complete(completed, acquired(shortLease, completed, "fp"), bytes("r"))).isTrue();
        assertThat(shortLease.release(released, acquired(shortLease, released, "fp"))).isTrue();
        acquired(shortLease, expired, "fp");

        assertThat(shortLease.acquire(running, "other")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        assertThat(shortLease.acquire(completed, "other")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        assertThat(shortLease.acquire(released, "other")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        expireLease();
        assertThat(shortLease.acquire(expired, "other")).isInstanceOf(Acquisition.FingerprintMismatch.class);

        // and the mismatches changed nothing
        assertThat(completedResult(shortLease, completed, "fp")).isEqualTo(bytes("r"));
        assertThat(shortLease.acquire(released, "fp")).isInstanceOf(Acquisition.Acquired.class);
        assertThat(shortLease.acquire(expired, "fp")).isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void fingerprintsAreComparedExactly() {
        String key = newKey();
        acquired(store, key, "POST /orders abc");

        assertThat(store.acquire(key, "post /orders abc")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        assertThat(store.acquire(key, "POST /orders abc ")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        assertThat(store.acquire(key, "POST /orders abc")).isInstanceOf(Acquisition.InProgress.class);
    }

    // ---- releasing

    @Test
    void afterReleaseTheNextAcquireGetsTheLeaseWithAGreaterToken() {
        String key = newKey();
        long first = acquired(store, key, "fp");

        assertThat(store.release(key, first)).isTrue();

        long second = acquired(store, key, "fp");
        assertThat(second).isGreaterThan(first);
        assertThat(store.complete(key, first, bytes("stale"))).isFalse();
        assertThat(store.complete(key, second, bytes("fresh"))).isTrue();
        assertThat(completedResult(store, key, "fp")).isEqualTo(bytes("fresh"));
    }

    @Test
    void releaseWithAWrongTokenIsRefusedAndTheHolderKeepsTheKey() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        assertThat(store.release(key, token + 1)).isFalse();
        assertThat(store.release(newKey(), token)).isFalse();

        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.InProgress.class);
    }

    @Test
    void secondReleaseIsRefused() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        assertThat(store.release(key, token)).isTrue();
        assertThat(store.release(key, token)).isFalse();
        assertThat(store.extend(key, token)).isFalse();
        assertThat(store.complete(key, token, bytes("late"))).isFalse();

        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.Acquired.class);
    }

    // ---- leases and fencing

    @Test
    void expiredLeaseIsTakenOverAndTheOldHolderIsFencedOff() {
        IdempotencyKeyStore shortLease = openShortLease();
        String key = newKey();
        long zombie = acquired(shortLease, key, "fp");
        expireLease();

        long successor = acquired(shortLease, key, "fp");

        assertThat(successor).isGreaterThan(zombie);
        assertThat(shortLease.complete(key, zombie, bytes("zombie"))).isFalse();
        assertThat(shortLease.extend(key, zombie)).isFalse();
        assertThat(shortLease.release(key, zombie)).isFalse();
        assertThat(shortLease.acquire(key, "fp")).isInstanceOf(Acquisition.InProgress.class);

        assertThat(shortLease.complete(key, successor, bytes("successor"))).isTrue();
        assertThat(completedResult(shortLease, key, "fp")).isEqualTo(bytes("successor"));
    }

    @Test
    void extendKeepsALiveHolderPastItsFirstLease() {
        IdempotencyKeyStore shortLease = openShortLease();
        String key = newKey();
        long token = acquired(shortLease, key, "fp");

        for (int i = 0; i < 6; i++) { // 600 ms: twice the lease
            passTime(Duration.ofMillis(100));
            assertThat(shortLease.extend(key, token)).as("extend #%d", i + 1).isTrue();
            assertThat(shortLease.acquire(key, "fp")).as("acquire after extend #%d", i + 1)
                    .isInstanceOf(Acquisition.InProgress.class);
        }

        assertThat(shortLease.complete(key, token, bytes("slow but done"))).isTrue();
        assertThat(completedResult(shortLease, key, "fp")).isEqualTo(bytes("slow but done"));
    }

    @Test
    void extendedLeaseIsNotEndedByTheRetentionOfTheKey() {
        // retention may equal the lease; a holder that keeps extending still holds the key
        IdempotencyKeyStore store = open(SHORT_LEASE, SHORT_LEASE);
        String key = newKey();
        long token = acquired(store, key, "fp");

        for (int i = 0; i < 6; i++) { // 600 ms: twice the lease and the retention
            passTime(Duration.ofMillis(100));
            assertThat(store.extend(key, token)).as("extend #%d", i + 1).isTrue();
            assertThat(store.acquire(key, "fp")).as("acquire after extend #%d", i + 1)
                    .isInstanceOf(Acquisition.InProgress.class);
        }

        assertThat(store.complete(key, token, bytes("done"))).isTrue();
        assertThat(completedResult(store, key, "fp")).isEqualTo(bytes("done"));
    }

    @Test
    void extendWithAWrongTokenOrForAnUnknownKeyIsRefused() {
        String key = newKey();
        long token = acquired(store, key, "fp");

        assertThat(store.extend(key, token + 1)).isFalse();
        assertThat(store.extend(newKey(), token)).isFalse();
        assertThat(store.extend(key, token)).isTrue();
    }

    @Test
    void tokensStrictlyIncreaseAcrossTakeovers() {
        IdempotencyKeyStore shortLease = openShortLease();
        String key = newKey();
        long previous = 0;

        for (int round = 0; round < 9; round++) {
            long token = acquired(shortLease, key, "fp");
            assertThat(token).as("token of round %d", round).isGreaterThan(previous);
            previous = token;
            if (round % 3 == 2) {
                expireLease(); // taken over after the holder died
            } else {
                assertThat(shortLease.release(key, token)).isTrue(); // retried after a failure
            }
        }
    }

    // ---- retention

    @Test
    void completedKeyIsForgottenAfterTheRetention() {
        Duration retention = Duration.ofSeconds(1);
        IdempotencyKeyStore store = open(SHORT_LEASE, retention);
        String key = newKey();
        assertThat(store.complete(key, acquired(store, key, "fp"), bytes("old"))).isTrue();

        passTime(retention.plus(MARGIN));

        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void forgottenKeyAcceptsAnotherFingerprint() {
        Duration retention = Duration.ofSeconds(1);
        IdempotencyKeyStore store = open(SHORT_LEASE, retention);
        String key = newKey();
        assertThat(store.complete(key, acquired(store, key, "fp"), bytes("old"))).isTrue();

        passTime(retention.plus(MARGIN));

        long token = acquired(store, key, "another fp");
        assertThat(store.acquire(key, "fp")).isInstanceOf(Acquisition.FingerprintMismatch.class);
        assertThat(store.complete(key, token, bytes("new"))).isTrue();
        assertThat(completedResult(store, key, "another fp")).isEqualTo(bytes("new"));
    }

    @Test
    void completedKeyIsRememberedWithinTheRetention() {
        Duration retention = Duration.ofSeconds(1);
        IdempotencyKeyStore store = open(SHORT_LEASE, retention);
        String key = newKey();
        assertThat(store.complete(key, acquired(store, key, "fp"), bytes("kept"))).isTrue();

        passTime(SHORT_LEASE.plus(MARGIN)); // past the lease, well within the retention

        assertThat(completedResult(store, key, "fp")).isEqualTo(bytes("kept"));
        assertThat(store.acquire(key, "other")).isInstanceOf(Acquisition.FingerprintMismatch.class);
    }

    // ---- concurrency

    @Test
    void concurrentAcquiresOfOneKeyLetExactlyOneCallerIn() throws Exception {
        int callers = 32;
        String key = newKey();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch ready = new CountDownLatch(callers);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Acquisition>> outcomes = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                outcomes.add(pool.submit(() -> {
                    ready.countDown();
                    start.await();
                    return store.acquire(key, "fp");
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            start.countDown();

            List<Acquisition> results = new ArrayList<>();
            for (Future<Acquisition> outcome : outcomes) {
                results.add(outcome.get(10, TimeUnit.SECONDS));
            }

            assertThat(results).filteredOn(Acquisition.Acquired.class::isInstance).hasSize(1);
            assertThat(results).filteredOn(Acquisition.InProgress.class::isInstance).hasSize(callers - 1);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- data the store cannot read

    @Test
    void aRecordThatCannotBeReadIsACorruptDataExceptionForEveryStepAndOtherKeysStillWork() {
        String key = newKey();
        long token = acquired(store, key, "fp");
        plantUnreadable(key);

        assertThatThrownBy(() -> store.acquire(key, "fp")).isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> store.complete(key, token, bytes("r"))).isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> store.extend(key, token)).isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> store.release(key, token)).isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> store.acquire(key, "fp")).as("still unreadable: nothing was overwritten")
                .isInstanceOf(CorruptDataException.class);

        String other = newKey();
        assertThat(store.complete(other, acquired(store, other, "fp"), bytes("r"))).isTrue();
    }

    // ---- configuration

    @Test
    void reportsTheConfiguredLeaseAndRetention() {
        assertThat(store.lease()).isEqualTo(LEASE);
        assertThat(store.retention()).isEqualTo(RETENTION);

        IdempotencyKeyStore other = open(Duration.ofMillis(1500), Duration.ofHours(2));
        assertThat(other.lease()).isEqualTo(Duration.ofMillis(1500));
        assertThat(other.retention()).isEqualTo(Duration.ofHours(2));
    }

    // ---- helpers

    /**
     * Acquires a key that must be free and returns the token.
     *
     * @param store the store
     * @param key a key
     * @param fingerprint the request fingerprint
     * @return the lease token
     */
    protected static long acquired(IdempotencyKeyStore store, String key, String fingerprint) {
        Acquisition acquisition = store.acquire(key, fingerprint);
        assertThat(acquisition).as("acquire of %s", key).isInstanceOf(Acquisition.Acquired.class);
        return ((Acquisition.Acquired) acquisition).token();
    }

    /**
     * Acquires a key that must be completed and returns its result.
     *
     * @param store the store
     * @param key a key
     * @param fingerprint the request fingerprint
     * @return the stored result
     */
    protected static byte[] completedResult(IdempotencyKeyStore store, String key, String fingerprint) {
        Acquisition acquisition = store.acquire(key, fingerprint);
        assertThat(acquisition).as("acquire of %s", key).isInstanceOf(Acquisition.Completed.class);
        return ((Acquisition.Completed) acquisition).result();
    }

    /**
     * UTF-8 bytes of {@code text}, a result to store.
     *
     * @param text text
     * @return its UTF-8 bytes
     */
    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
