package dev.stateless.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IdempotencyTest {

    /** A result type of the caller's own, which the codec must be told about. */
    record Receipt(String orderId, long amountCents, List<String> items) {
    }

    private final MutableClock clock = MutableClock.startingNow();
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger runs = new AtomicInteger();
    private final String key = "idem-test-" + UUID.randomUUID();

    @AfterEach
    void closeEverything() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    /** A store on the test's {@link MutableClock}: nothing expires unless the test moves the clock. */
    private InMemoryIdempotencyKeyStore clockedStore(Duration lease) {
        return track(InMemoryIdempotencyKeyStore.builder().clock(clock).lease(lease).retention(Duration.ofHours(1))
                .build());
    }

    /** A store on real time, for the heartbeat: its lease runs out unless the heartbeat extends it. */
    private InMemoryIdempotencyKeyStore realTimeStore(Duration lease) {
        return track(InMemoryIdempotencyKeyStore.builder().lease(lease).retention(Duration.ofHours(1)).build());
    }

    private Idempotency idempotency(Idempotency.Builder builder) {
        return track(builder.build());
    }

    private Idempotency idempotency() {
        return idempotency(Idempotency.builder(clockedStore(Duration.ofSeconds(30))));
    }

    private <T extends AutoCloseable> T track(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    private <T> java.util.function.Supplier<T> counted(T result) {
        return () -> {
            runs.incrementAndGet();
            return result;
        };
    }

    // ---- exactly once

    @Test
    void stringResultIsComputedOnceAndReturnedToRepeats() {
        Idempotency idempotency = idempotency();

        assertThat(idempotency.execute(key, "fp", counted("order-42"))).isEqualTo("order-42");
        assertThat(idempotency.execute(key, "fp", counted("order-43"))).isEqualTo("order-42");
        assertThat(idempotency.execute(key, "fp", counted("order-44"))).isEqualTo("order-42");

        assertThat(runs).hasValue(1);
    }

    @Test
    void longResultKeepsItsTypeForRepeats() {
        Idempotency idempotency = idempotency();

        Long first = idempotency.execute(key, "fp", counted(42L));
        Object repeat = idempotency.execute(key, "fp", counted(7L));

        assertThat(first).isEqualTo(42L);
        assertThat(repeat).isInstanceOf(Long.class).isEqualTo(42L);
        assertThat(runs).hasValue(1);
    }

    @Test
    void ownResultTypeRoundTripsThroughTheConfiguredCodec() {
        AttributeCodec codec = JsonAttributeCodec.builder().allow(Receipt.class).build();
        Idempotency idempotency = idempotency(Idempotency.builder(clockedStore(Duration.ofSeconds(30))).codec(codec));
        Receipt receipt = new Receipt("o-1", 1999, List.of("book", "pen"));

        Receipt first = idempotency.execute(key, "fp", counted(receipt));
        Receipt repeat = idempotency.execute(key, "fp", counted(new Receipt("o-2", 1, List.of())));

        assertThat(first).isSameAs(receipt);
        assertThat(repeat).isEqualTo(receipt).isNotSameAs(receipt);
        assertThat(runs).hasValue(1);
    }

    @Test
    void nullResultIsComputedOnceAndReturnedToRepeats() {
        Idempotency idempotency = idempotency();

        assertThat(idempotency.<String>execute(key, "fp", counted(null))).isNull();
        assertThat(idempotency.execute(key, "fp", counted("not null"))).isNull();

        assertThat(runs).hasValue(1);
        assertThat(idempotency.store().acquire(key, "fp")).isInstanceOf(Acquisition.Completed.class);
    }

    @Test
    void differentKeysRunSeparately() {
        Idempotency idempotency = idempotency();

        assertThat(idempotency.execute(key, "fp", counted("a"))).isEqualTo("a");
        assertThat(idempotency.execute(key + "-other", "fp", counted("b"))).isEqualTo("b");

        assertThat(runs).hasValue(2);
    }

    @Test
    void resultIsStoredEncodedWithTheCodec() {
        Idempotency idempotency = idempotency();

        idempotency.execute(key, "fp", counted("order-42"));

        Acquisition stored = idempotency.store().acquire(key, "fp");
        assertThat(stored).isInstanceOf(Acquisition.Completed.class);
        assertThat(AttributeCodec.json().decode(((Acquisition.Completed) stored).result())).isEqualTo("order-42");
    }

    // ---- fingerprints

    @Test
    void repeatWithAnotherFingerprintFailsWithoutRunning() {
        Idempotency idempotency = idempotency();
        idempotency.execute(key, "POST /orders #1", counted("order-42"));

        IdempotencyException e = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "POST /orders #2", counted("order-43")));

        assertThat(e.reason()).isEqualTo(IdempotencyException.Reason.FINGERPRINT_MISMATCH);
        assertThat(e.retryAfter()).isEmpty();
        assertThat(e.getMessage()).doesNotContain(key);
        assertThat(runs).hasValue(1);
        assertThat(idempotency.execute(key, "POST /orders #1", counted("order-44"))).isEqualTo("order-42");
    }

    // ---- failures

    @Test
    void failedOperationReleasesTheKeySoARetryRunsAgain() {
        Idempotency idempotency = idempotency();
        IllegalStateException failure = new IllegalStateException("payment gateway down");

        assertThatThrownBy(() -> idempotency.execute(key, "fp", () -> {
            runs.incrementAndGet();
            throw failure;
        })).isSameAs(failure);

        assertThat(idempotency.execute(key, "fp", counted("paid"))).isEqualTo("paid");
        assertThat(idempotency.execute(key, "fp", counted("paid twice"))).isEqualTo("paid");
        assertThat(runs).hasValue(2);
    }

    @Test
    void operationThrowingAnErrorAlsoReleasesTheKey() {
        Idempotency idempotency = idempotency();
        AssertionError failure = new AssertionError("boom");

        assertThatThrownBy(() -> idempotency.execute(key, "fp", () -> {
            throw failure;
        })).isSameAs(failure);

        assertThat(idempotency.execute(key, "fp", counted("ok"))).isEqualTo("ok");
    }

    // ---- concurrent callers

    @Test
    void callWhileAnotherRunsFailsInProgressWithRetryAfter() throws Exception {
        Idempotency idempotency = idempotency();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", blockingUntil(started, finish,
                "first")));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        IdempotencyException e = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", counted("second")));

        assertThat(e.reason()).isEqualTo(IdempotencyException.Reason.IN_PROGRESS);
        assertThat(e.retryAfter()).hasValueSatisfying(retryAfter ->
                assertThat(retryAfter).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30)));
        finish.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(runs).hasValue(1);
    }

    @Test
    void callWaitingForInProgressGetsTheFirstResultWithoutRunning() throws Exception {
        Idempotency idempotency = idempotency(Idempotency.builder(clockedStore(Duration.ofSeconds(30)))
                .waitForInProgress(Duration.ofSeconds(2)));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", blockingUntil(started, finish,
                "first")));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        Future<String> second = threads.submit(() -> idempotency.execute(key, "fp", counted("second")));
        Thread.sleep(200);
        assertThat(second).as("the second call waits while the first runs").isNotDone();
        finish.countDown();

        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(runs).hasValue(1);
    }

    @Test
    void callWaitingForInProgressFailsInProgressWhenTheWaitRunsOut() throws Exception {
        Idempotency idempotency = idempotency(Idempotency.builder(clockedStore(Duration.ofSeconds(30)))
                .waitForInProgress(Duration.ofMillis(300)));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", blockingUntil(started, finish,
                "first")));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        long begin = System.nanoTime();
        IdempotencyException e = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", counted("second")));
        Duration waited = Duration.ofNanos(System.nanoTime() - begin);

        assertThat(e.reason()).isEqualTo(IdempotencyException.Reason.IN_PROGRESS);
        assertThat(e.retryAfter()).isPresent();
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(250)).isLessThan(Duration.ofSeconds(3));
        finish.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(runs).hasValue(1);
    }

    @Test
    void callWaitingForInProgressRunsItselfWhenTheFirstFails() throws Exception {
        Idempotency idempotency = idempotency(Idempotency.builder(clockedStore(Duration.ofSeconds(30)))
                .waitForInProgress(Duration.ofSeconds(2)));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", () -> {
            started.countDown();
            await(finish);
            throw new IllegalStateException("first failed");
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        Future<String> second = threads.submit(() -> idempotency.execute(key, "fp", counted("second")));
        Thread.sleep(100);
        finish.countDown();

        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("second");
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(runs).hasValue(1);
    }

    // ---- heartbeat and leases

    @Test
    void slowOperationIsNotTakenOverWhileItsHeartbeatRuns() throws Exception {
        Duration lease = Duration.ofMillis(300);
        InMemoryIdempotencyKeyStore store = realTimeStore(lease);
        Idempotency idempotency = idempotency(Idempotency.builder(store).heartbeat(Duration.ofMillis(100)));
        CountDownLatch started = new CountDownLatch(1);
        Future<String> slow = threads.submit(() -> idempotency.execute(key, "fp", () -> {
            runs.incrementAndGet();
            started.countDown();
            sleep(Duration.ofSeconds(1)); // more than three leases
            return "slow result";
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        List<Acquisition> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sleep(Duration.ofMillis(200));
            seen.add(store.acquire(key, "fp"));
        }

        assertThat(seen).allSatisfy(a -> assertThat(a).isInstanceOf(Acquisition.InProgress.class));
        assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("slow result");
        assertThat(idempotency.execute(key, "fp", counted("again"))).isEqualTo("slow result");
        assertThat(runs).hasValue(1);
    }

    @Test
    void leaseTakenOverDuringTheRunFailsWithLeaseLostAndKeepsTheNewHoldersResult() {
        Duration lease = Duration.ofMinutes(10);
        InMemoryIdempotencyKeyStore store = clockedStore(lease);
        // the heartbeat runs on real time: at 9 minutes it never beats during this test
        Idempotency idempotency = idempotency(Idempotency.builder(store).heartbeat(Duration.ofMinutes(9)));
        AtomicReference<Acquisition> takeover = new AtomicReference<>();

        IdempotencyException e = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", () -> {
                    runs.incrementAndGet();
                    clock.advance(lease.plusSeconds(1)); // this run stalls past its lease...
                    takeover.set(store.acquire(key, "fp")); // ...and another caller takes the key over
                    return "zombie result";
                }));

        assertThat(e.reason()).isEqualTo(IdempotencyException.Reason.LEASE_LOST);
        assertThat(takeover.get()).isInstanceOf(Acquisition.Acquired.class);
        long successor = ((Acquisition.Acquired) takeover.get()).token();
        assertThat(store.acquire(key, "fp")).as("the zombie's result was not stored")
                .isInstanceOf(Acquisition.InProgress.class);
        assertThat(store.complete(key, successor, AttributeCodec.json().encode("successor result"))).isTrue();
        assertThat(idempotency.execute(key, "fp", counted("third"))).isEqualTo("successor result");
        assertThat(runs).hasValue(1);
    }

    @Test
    void heartbeatReportsLostOnceTheKeyIsNoLongerHeld() throws Exception {
        InMemoryIdempotencyKeyStore store = realTimeStore(Duration.ofMillis(300));
        Idempotency idempotency = idempotency(Idempotency.builder(store).heartbeat(Duration.ofMillis(50)));
        long token = ((Acquisition.Acquired) idempotency.acquire(key, "fp")).token();

        try (Idempotency.Heartbeat heartbeat = idempotency.heartbeat(key, token)) {
            sleep(Duration.ofMillis(150));
            assertThat(heartbeat.lost()).isFalse();

            assertThat(store.release(key, token)).isTrue();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!heartbeat.lost() && System.nanoTime() < deadline) {
                sleep(Duration.ofMillis(10));
            }
            assertThat(heartbeat.lost()).isTrue();
        }
    }

    @Test
    void acquireReturnsAcquiredThenCompletedAndRefusesAnotherFingerprint() {
        Idempotency idempotency = idempotency();

        Acquisition first = idempotency.acquire(key, "fp");
        assertThat(first).isInstanceOf(Acquisition.Acquired.class);
        assertThat(idempotency.store().complete(key, ((Acquisition.Acquired) first).token(), new byte[] {1}))
                .isTrue();

        assertThat(idempotency.acquire(key, "fp")).isInstanceOf(Acquisition.Completed.class);
        assertThat(catchThrowableOfType(IdempotencyException.class, () -> idempotency.acquire(key, "other")).reason())
                .isEqualTo(IdempotencyException.Reason.FINGERPRINT_MISMATCH);
    }

    @Test
    void executeOnAClosedInstanceFailsWithoutLeavingTheKeyHeld() {
        Idempotency idempotency = idempotency();
        idempotency.close();

        assertThatThrownBy(() -> idempotency.execute(key, "fp", counted("late"))).isInstanceOf(RuntimeException.class);

        assertThat(idempotency.store().acquire(key, "fp")).isInstanceOf(Acquisition.Acquired.class);
    }

    // ---- builder validation

    @Test
    void builderRefusesAHeartbeatNotShorterThanTheLease() {
        Idempotency.Builder builder = Idempotency.builder(clockedStore(Duration.ofSeconds(30)));

        assertThatThrownBy(() -> builder.heartbeat(Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat");
        assertThatThrownBy(() -> builder.heartbeat(Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat");
    }

    @Test
    void builderRefusesAHeartbeatThatIsNotPositive() {
        Idempotency.Builder builder = Idempotency.builder(clockedStore(Duration.ofSeconds(30)));

        assertThatThrownBy(() -> builder.heartbeat(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat");
        assertThatThrownBy(() -> builder.heartbeat(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat");
    }

    @Test
    void builderRefusesANegativeWait() {
        Idempotency.Builder builder = Idempotency.builder(clockedStore(Duration.ofSeconds(30)));

        assertThatThrownBy(() -> builder.waitForInProgress(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitForInProgress");
    }

    @Test
    void builderRefusesNulls() {
        assertThatThrownBy(() -> Idempotency.builder(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("store");
        Idempotency.Builder builder = Idempotency.builder(clockedStore(Duration.ofSeconds(30)));
        assertThatThrownBy(() -> builder.codec(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.heartbeat(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.waitForInProgress(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> idempotency().execute(key, "fp", null)).isInstanceOf(NullPointerException.class);
    }

    // ---- helpers

    private <T> java.util.function.Supplier<T> blockingUntil(CountDownLatch started, CountDownLatch finish, T result) {
        return () -> {
            runs.incrementAndGet();
            started.countDown();
            await(finish);
            return result;
        };
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(new TimeoutException("latch not released"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
