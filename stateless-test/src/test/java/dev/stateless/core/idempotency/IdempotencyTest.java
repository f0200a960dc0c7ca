package dev.stateless.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.testing.ForwardingStore;
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
import java.util.function.Supplier;
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
    /** The record the key names in the store: {@link Idempotency#execute} scopes nothing, so scope "". */
    private final String record = "0::" + key;
    private InMemoryIdempotencyKeyStore lastStore;

    @AfterEach
    void closeEverything() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    /** A store on the test's {@link MutableClock}: nothing expires unless the test moves the clock. */
    private InMemoryIdempotencyKeyStore clockedStore(Duration lease) {
        lastStore = track(InMemoryIdempotencyKeyStore.builder().clock(clock).lease(lease).retention(Duration.ofHours(1))
                .build());
        return lastStore;
    }

    /** A store on real time, for the heartbeat: its lease runs out unless the heartbeat extends it. */
    private InMemoryIdempotencyKeyStore realTimeStore(Duration lease) {
        lastStore = track(InMemoryIdempotencyKeyStore.builder().lease(lease).retention(Duration.ofHours(1)).build());
        return lastStore;
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

        assertThat(idempotency.execute(key, "fp", String.class, counted("order-42"))).isEqualTo("order-42");
        assertThat(idempotency.execute(key, "fp", String.class, counted("order-43"))).isEqualTo("order-42");
        assertThat(idempotency.execute(key, "fp", String.class, counted("order-44"))).isEqualTo("order-42");

        assertThat(runs).hasValue(1);
    }

    @Test
    void longResultKeepsItsTypeForRepeats() {
        Idempotency idempotency = idempotency();

        Long first = idempotency.execute(key, "fp", Long.class, counted(42L));
        Object repeat = idempotency.execute(key, "fp", Long.class, counted(7L));

        assertThat(first).isEqualTo(42L);
        assertThat(repeat).isInstanceOf(Long.class).isEqualTo(42L);
        assertThat(runs).hasValue(1);
    }

    @Test
    void ownResultTypeRoundTripsThroughTheConfiguredCodec() {
        AttributeCodec codec = JsonAttributeCodec.builder().allow(Receipt.class).build();
        Idempotency idempotency = idempotency(Idempotency.builder(clockedStore(Duration.ofSeconds(30))).codec(codec));
        Receipt receipt = new Receipt("o-1", 1999, List.of("book", "pen"));

        Receipt first = idempotency.execute(key, "fp", Receipt.class, counted(receipt));
        Receipt repeat = idempotency.execute(key, "fp", Receipt.class, counted(new Receipt("o-2", 1, List.of())));

        assertThat(first).isSameAs(receipt);
        assertThat(repeat).isEqualTo(receipt).isNotSameAs(receipt);
        assertThat(runs).hasValue(1);
    }

    @Test
    void nullResultIsComputedOnceAndReturnedToRepeats() {
        Idempotency idempotency = idempotency();

        assertThat(idempotency.execute(key, "fp", String.class, counted(null))).isNull();
        assertThat(idempotency.execute(key, "fp", String.class, counted("not null"))).isNull();

        assertThat(runs).hasValue(1);
        assertThat(lastStore.acquire(record, "fp")).isInstanceOf(Acquisition.Completed.class);
    }

    @Test
    void differentKeysRunSeparately() {
        Idempotency idempotency = idempotency();

        assertThat(idempotency.execute(key, "fp", String.class, counted("a"))).isEqualTo("a");
        assertThat(idempotency.execute(key + "-other", "fp", String.class, counted("b"))).isEqualTo("b");

        assertThat(runs).hasValue(2);
    }

    @Test
    void resultIsStoredEncodedWithTheCodec() {
        Idempotency idempotency = idempotency();

        idempotency.execute(key, "fp", String.class, counted("order-42"));

        Acquisition stored = lastStore.acquire(record, "fp");
        assertThat(stored).isInstanceOf(Acquisition.Completed.class);
        assertThat(AttributeCodec.json().decode(((Acquisition.Completed) stored).result())).isEqualTo("order-42");
    }

    // ---- fingerprints

    @Test
    void repeatWithAnotherFingerprintFailsWithoutRunning() {
        Idempotency idempotency = idempotency();
        idempotency.execute(key, "POST /orders #1", String.class, counted("order-42"));

        IdempotencyException e = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "POST /orders #2", String.class, counted("order-43")));

        assertThat(e.reason()).isEqualTo(IdempotencyException.Reason.FINGERPRINT_MISMATCH);
        assertThat(e.retryAfter()).isEmpty();
        assertThat(e.getMessage()).doesNotContain(key);
        assertThat(runs).hasValue(1);
        assertThat(idempotency.execute(key, "POST /orders #1", String.class, counted("order-44"))).isEqualTo("order-42");
    }

    // ---- failures

    @Test
    void failedOperationReleasesTheKeySoARetryRunsAgain() {
        Idempotency idempotency = idempotency();
        IllegalStateException failure = new IllegalStateException("payment gateway down");

        assertThatThrownBy(() -> idempotency.execute(key, "fp", String.class, () -> {
            runs.incrementAndGet();
            throw failure;
        })).isSameAs(failure);

        assertThat(idempotency.execute(key, "fp", String.class, counted("paid"))).isEqualTo("paid");
        assertThat(idempotency.execute(key, "fp", String.class, counted("paid twice"))).isEqualTo("paid");
        assertThat(runs).hasValue(2);
    }

    @Test
    void operationThrowingAnErrorAlsoReleasesTheKey() {
        Idempotency idempotency = idempotency();
        AssertionError failure = new AssertionError("boom");

        assertThatThrownBy(() -> idempotency.execute(key, "fp", String.class, () -> {
            throw failure;
        })).isSameAs(failure);

        assertThat(idempotency.execute(key, "fp", String.class, counted("ok"))).isEqualTo("ok");
    }

    // ---- concurrent callers

    @Test
    void callWhileAnotherRunsFailsInProgressWithRetryAfter() throws Exception {
        Idempotency idempotency = idempotency();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", String.class, blockingUntil(started, finish,
                "first")));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        IdempotencyException e = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", String.class, counted("second")));

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
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", String.class, blockingUntil(started, finish,
                "first")));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        Future<String> second = threads.submit(() -> idempotency.execute(key, "fp", String.class, counted("second")));
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
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", String.class, blockingUntil(started, finish,
                "first")));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        long begin = System.nanoTime();
        IdempotencyException e = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", String.class, counted("second")));
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
        Future<String> first = threads.submit(() -> idempotency.execute(key, "fp", String.class, () -> {
            started.countDown();
            await(finish);
            throw new IllegalStateException("first failed");
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        Future<String> second = threads.submit(() -> idempotency.execute(key, "fp", String.class, counted("second")));
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
        Future<String> slow = threads.submit(() -> idempotency.execute(key, "fp", String.class, () -> {
            runs.incrementAndGet();
            started.countDown();
            sleep(Duration.ofSeconds(1)); // more than three leases
            return "slow result";
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        List<Acquisition> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sleep(Duration.ofMillis(200));
            seen.add(store.acquire(record, "fp"));
        }

        assertThat(seen).allSatisfy(a -> assertThat(a).isInstanceOf(Acquisition.InProgress.class));
        assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("slow result");
        assertThat(idempotency.execute(key, "fp", String.class, counted("again"))).isEqualTo("slow result");
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
                () -> idempotency.execute(key, "fp", String.class, () -> {
                    runs.incrementAndGet();
                    clock.advance(lease.plusSeconds(1)); // this run stalls past its lease...
                    takeover.set(store.acquire(record, "fp")); // ...and another caller takes the key over
                    return "zombie result";
                }));

        assertThat(e.reason()).isEqualTo(IdempotencyException.Reason.LEASE_LOST);
        assertThat(takeover.get()).isInstanceOf(Acquisition.Acquired.class);
        long successor = ((Acquisition.Acquired) takeover.get()).token();
        assertThat(store.acquire(record, "fp")).as("the zombie's result was not stored")
                .isInstanceOf(Acquisition.InProgress.class);
        assertThat(store.complete(record, successor, AttributeCodec.json().encode("successor result"))).isTrue();
        assertThat(idempotency.execute(key, "fp", String.class, counted("third"))).isEqualTo("successor result");
        assertThat(runs).hasValue(1);
    }

    @Test
    void leaseReportsLostOnceTheKeyIsNoLongerHeld() throws Exception {
        InMemoryIdempotencyKeyStore store = realTimeStore(Duration.ofMillis(300));
        Idempotency idempotency = idempotency(Idempotency.builder(store).heartbeat(Duration.ofMillis(50)));

        try (Idempotency.Lease lease = ((Idempotency.Attempt.Run) idempotency.begin("", key, "fp")).lease()) {
            sleep(Duration.ofMillis(150));
            assertThat(lease.lost()).isFalse();
            assertThat(store.acquire(record, "fp")).as("kept alive past its lease").isInstanceOf(Acquisition.InProgress.class);

            lease.release();
            assertThat(store.acquire(record, "fp")).isInstanceOf(Acquisition.Acquired.class);
        }
    }

    @Test
    void beginHandsOutALeaseThenTheStoredResultAndRefusesAnotherFingerprint() {
        Idempotency idempotency = idempotency();

        Idempotency.Attempt first = idempotency.begin("alice", key, "fp");
        assertThat(first).isInstanceOf(Idempotency.Attempt.Run.class);
        ((Idempotency.Attempt.Run) first).lease().complete(new byte[] {1});

        assertThat(idempotency.begin("alice", key, "fp")).isInstanceOfSatisfying(Idempotency.Attempt.Replay.class,
                replay -> assertThat(replay.result()).containsExactly(1));
        assertThat(idempotency.begin("bob", key, "fp")).as("another scope, another record")
                .isInstanceOf(Idempotency.Attempt.Run.class);
        assertThat(catchThrowableOfType(IdempotencyException.class, () -> idempotency.begin("alice", key, "other"))
                .reason()).isEqualTo(IdempotencyException.Reason.FINGERPRINT_MISMATCH);
    }

    @Test
    void aLeaseClosedWithoutAnOutcomeRecordsAFailureSoTheKeyNeverRunsAgain() {
        Idempotency idempotency = idempotency();

        try (Idempotency.Lease lease = ((Idempotency.Attempt.Run) idempotency.begin("", key, "fp")).lease()) {
            runs.incrementAndGet(); // the owner ran the operation, then lost track of its outcome
        }

        assertThat(catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", String.class, counted("again"))).reason())
                .isEqualTo(IdempotencyException.Reason.RESULT_NOT_RECORDED);
        assertThat(runs).hasValue(1);
    }

    @Test
    void aLeaseEndsOnce() {
        Idempotency idempotency = idempotency();
        Idempotency.Lease lease = ((Idempotency.Attempt.Run) idempotency.begin("", key, "fp")).lease();
        lease.complete(new byte[] {1});

        assertThatThrownBy(lease::release).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> lease.complete(new byte[] {2})).isInstanceOf(IllegalStateException.class);
        lease.close();
        assertThat(lastStore.acquire(record, "fp")).isInstanceOf(Acquisition.Completed.class);
    }

    // ---- a result that cannot be recorded (issue 11, item 1)

    @Test
    void aResultTypeTheCodecRefusesIsRefusedBeforeTheOperationRunsAndTakesNoKey() {
        Idempotency idempotency = idempotency(); // the default codec: JDK types only

        assertThatThrownBy(() -> idempotency.execute(key, "fp", Receipt.class,
                counted(new Receipt("o-1", 1999, List.of("book")))))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining(Receipt.class.getName());

        assertThat(runs).hasValue(0);
        assertThat(lastStore.acquire(record, "fp")).as("no key was taken").isInstanceOf(Acquisition.Acquired.class);
    }

    @Test
    void aResultTheCodecRefusesAfterTheRunCompletesTheKeyWithARecordedFailureAndNeverRunsAgain() {
        Idempotency idempotency = idempotency();
        // declared as an Object, which the codec allows; the value inside is not
        Supplier<Object> charge = () -> {
            runs.incrementAndGet();
            return List.of(new Receipt("o-1", 1999, List.of("book")));
        };

        IdempotencyException first = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", Object.class, charge));
        IdempotencyException redelivery = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", Object.class, charge));

        assertThat(first.reason()).isEqualTo(IdempotencyException.Reason.RESULT_NOT_RECORDED);
        assertThat(first).hasMessageContaining("ran").hasCauseInstanceOf(AttributeCodecException.class);
        assertThat(redelivery.reason()).isEqualTo(IdempotencyException.Reason.RESULT_NOT_RECORDED);
        assertThat(runs).as("customer charged once").hasValue(1);
        assertThat(lastStore.acquire(record, "fp")).isInstanceOf(Acquisition.Failed.class);
    }

    @Test
    void aStoreThatRefusesTheResultCompletesTheKeyWithARecordedFailure() {
        InMemoryIdempotencyKeyStore memory = clockedStore(Duration.ofSeconds(30));
        IdempotencyKeyStore refusing = new ForwardingStore(memory) {
            @Override
            public boolean complete(String key, long token, byte[] result) {
                throw new dev.stateless.core.StatelessException("value too large for the store");
            }
        };
        Idempotency idempotency = idempotency(Idempotency.builder(refusing));

        IdempotencyException first = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", String.class, counted("charged")));
        IdempotencyException redelivery = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(key, "fp", String.class, counted("charged again")));

        assertThat(first.reason()).isEqualTo(IdempotencyException.Reason.RESULT_NOT_RECORDED);
        assertThat(redelivery.reason()).isEqualTo(IdempotencyException.Reason.RESULT_NOT_RECORDED);
        assertThat(runs).hasValue(1);
    }

    @Test
    void theRecordLimitRefusesNewKeysOfAScopeButStillReplaysRecordedOnes() {
        Idempotency idempotency = idempotency(Idempotency.builder(clockedStore(Duration.ofSeconds(30)))
                .maxRecordsPerScopeAndHour(2));
        run(idempotency, "alice", "k1");
        run(idempotency, "alice", "k2");

        IdempotencyException third = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.begin("alice", "k3", "fp"));

        assertThat(third.reason()).isEqualTo(IdempotencyException.Reason.LIMIT_REACHED);
        assertThat(third.retryAfter()).hasValueSatisfying(d -> assertThat(d).isPositive()
                .isLessThanOrEqualTo(Duration.ofHours(1)));
        assertThat(idempotency.begin("alice", "k1", "fp")).isInstanceOf(Idempotency.Attempt.Replay.class);
        assertThat(idempotency.begin("bob", "k3", "fp")).as("another scope has its own count")
                .isInstanceOf(Idempotency.Attempt.Run.class);
        clock.advance(Duration.ofHours(1));
        assertThat(idempotency.begin("alice", "k3", "fp")).as("the next hour").isInstanceOf(Idempotency.Attempt.Run.class);
    }

    private static void run(Idempotency idempotency, String scope, String key) {
        ((Idempotency.Attempt.Run) idempotency.begin(scope, key, "fp")).lease().complete(new byte[] {1});
    }

    @Test
    void builderRefusesARecordLimitBelowOne() {
        Idempotency.Builder builder = Idempotency.builder(clockedStore(Duration.ofSeconds(30)));

        assertThatThrownBy(() -> builder.maxRecordsPerScopeAndHour(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRecordsPerScopeAndHour");
    }

    @Test
    void executeOnAClosedInstanceFailsWithoutLeavingTheKeyHeld() {
        Idempotency idempotency = idempotency();
        idempotency.close();

        assertThatThrownBy(() -> idempotency.execute(key, "fp", String.class, counted("late"))).isInstanceOf(RuntimeException.class);

        assertThat(lastStore.acquire(record, "fp")).isInstanceOf(Acquisition.Acquired.class);
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
        assertThatThrownBy(() -> idempotency().execute(key, "fp", String.class, null)).isInstanceOf(NullPointerException.class);
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
