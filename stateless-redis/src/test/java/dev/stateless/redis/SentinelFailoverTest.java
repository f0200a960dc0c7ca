package dev.stateless.redis;

import static dev.stateless.testing.Tokens.withId;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.testing.RedisSentinel;
import dev.stateless.testing.RedisSentinelExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real Sentinel failover under the stores: one master, one replica, one sentinel (quorum 1,
 * master down after 1 s). The stores connect through {@code redis-sentinel://host:port#mymaster},
 * the master is killed, the sentinel promotes the replica, and the stores find the new master by
 * themselves. While that happens calls fail as {@link StoreUnavailableException} (a 503 that
 * clients retry), never as another error; what the replica had acknowledged ({@code WAIT}) before
 * the crash survives it.
 */
class SentinelFailoverTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration FAILOVER_BUDGET = Duration.ofSeconds(25);

    /** A set-up of each test's own (an instance field): a failover leaves the old master dead. */
    @RegisterExtension
    final RedisSentinelExtension sentinelPerTest = new RedisSentinelExtension();

    private RedisSentinel sentinel;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void start(RedisSentinel started) {
        sentinel = started;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable store : opened) {
            store.close();
        }
    }

    @Test
    void afterTheMasterDiesTheStoresServeFromThePromotedReplicaAndKeepWhatWasReplicated() {
        SessionStore sessions = track(RedisSessionStore.builder(sentinel.uri()).commandTimeout(COMMAND_TIMEOUT).build());
        IdempotencyKeyStore keys = track(RedisIdempotencyKeyStore.builder(sentinel.uri())
                .commandTimeout(COMMAND_TIMEOUT).build());
        RevocationList revoked = track(RedisRevocationList.builder(sentinel.uri()).commandTimeout(COMMAND_TIMEOUT).build());
        int oldMaster = sentinel.initialMasterPort();
        int replica = sentinel.initialReplicaPort();

        SessionData before = sessions.newSession();
        assertThat(sessions.save(SessionChanges.to(before).set("cart", sessions.codec().encode(List.of("apple")))
                .principal("alice").build())).isTrue();
        String key = "idem-" + UUID.randomUUID();
        long token = ((Acquisition.Acquired) keys.acquire(key, "POST /orders")).token();
        assertThat(keys.complete(key, token, bytes("201"))).isTrue();
        String jti = UUID.randomUUID().toString();
        revoked.revoke(withId(jti, Instant.now().plus(Duration.ofMinutes(10))), Duration.ZERO);
        String sessionKey = "stateless:s:{" + before.id().digest() + "}";
        assertThat(sentinel.command(oldMaster, "EXISTS", sessionKey)).as("written to the master").isEqualTo("1");
        assertThat(sentinel.awaitReplicated(Duration.ofSeconds(2))).as("replicas that acknowledged").isEqualTo(1);
        assertThat(sentinel.command(replica, "EXISTS", sessionKey)).as("on the replica").isEqualTo("1");

        long killed = System.nanoTime();
        sentinel.killMaster();

        // A client retries its write until it goes through, as a browser or an API client would after a 503.
        Map<String, Integer> failures = new LinkedHashMap<>();
        SessionData during = sessions.newSession();
        boolean saved = retry(() -> sessions.save(SessionChanges.to(during).set("n", sessions.codec().encode(1)).build()),
                failures);
        long servedAgain = System.nanoTime();
        int newMaster = sentinel.awaitFailover(Duration.ofSeconds(10));
        System.out.printf("[sentinel failover] a save went through again %d ms after the master died; failures"
                + " meanwhile: %s%n", Duration.ofNanos(servedAgain - killed).toMillis(), failures);

        assertThat(saved).isTrue();
        assertThat(newMaster).isEqualTo(replica);
        assertThat(sentinel.command(newMaster, "EXISTS", "stateless:s:{" + during.id().digest() + "}")).isEqualTo("1");
        assertThat(failures.keySet()).as("errors seen while failing over")
                .allMatch(failure -> failure.startsWith(StoreUnavailableException.class.getSimpleName()));

        // what was replicated before the crash is still there, through every store
        SessionData survived = retry(() -> sessions.load(before.id()), failures).orElseThrow();
        assertThat(sessions.codec().decode(survived.encodedAttribute("cart").orElseThrow())).isEqualTo(List.of("apple"));
        assertThat(retry(() -> sessions.findByPrincipal("alice"), failures)).hasSize(1);
        assertThat(retry(() -> keys.acquire(key, "POST /orders"), failures))
                .isInstanceOfSatisfying(Acquisition.Completed.class,
                        done -> assertThat(new String(done.result(), StandardCharsets.UTF_8)).isEqualTo("201"));
        assertThat(retry(() -> revoked.isRevoked(withId(jti, null)), failures)).isTrue();
        // and new writes work on every store
        assertThat(retry(() -> keys.acquire("idem-" + UUID.randomUUID(), "fp"), failures))
                .isInstanceOf(Acquisition.Acquired.class);
        String later = UUID.randomUUID().toString();
        retry(() -> {
            revoked.revoke(withId(later, Instant.now().plus(Duration.ofMinutes(10))), Duration.ZERO);
            return null;
        }, failures);
        assertThat(revoked.isRevoked(withId(later, null))).isTrue();
        assertThat(failures.keySet()).as("errors seen while failing over")
                .allMatch(failure -> failure.startsWith(StoreUnavailableException.class.getSimpleName()));
    }

    @Test
    void aSwitchoverMovesTheStoreToTheNewMasterWithOnlyRetryableErrorsOnTheWay() {
        SessionStore sessions = track(RedisSessionStore.builder(sentinel.uri()).commandTimeout(COMMAND_TIMEOUT).build());
        int oldMaster = sentinel.initialMasterPort();
        int replica = sentinel.initialReplicaPort();
        SessionData before = sessions.newSession();
        assertThat(sessions.save(SessionChanges.to(before).build())).isTrue();
        assertThat(sentinel.awaitReplicated(Duration.ofSeconds(2))).isEqualTo(1);

        sentinel.failover(); // both processes stay up: the old master becomes a replica

        // Keep writing, as live traffic does, until the switch is over and twenty saves in a row went through.
        Map<String, Integer> failures = new LinkedHashMap<>();
        long deadline = System.nanoTime() + FAILOVER_BUDGET.toNanos();
        int savesSinceSwitch = 0;
        SessionData last = null;
        while (savesSinceSwitch < 20) {
            assertThat(System.nanoTime() - deadline).as("time left for the switchover (failures: %s)", failures)
                    .isNegative();
            boolean switched = switchedOver(oldMaster, replica);
            SessionData session = sessions.newSession();
            try {
                assertThat(sessions.save(SessionChanges.to(session).build())).isTrue();
                last = session;
                savesSinceSwitch = switched ? savesSinceSwitch + 1 : 0;
            } catch (RuntimeException e) {
                failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                sleep(Duration.ofMillis(50));
            }
        }
        System.out.printf("[sentinel switchover] failures on the way: %s%n", failures);

        assertThat(sentinel.command(replica, "EXISTS", "stateless:s:{" + last.id().digest() + "}")).isEqualTo("1");
        assertThat(sessions.load(before.id())).isPresent();
        assertThat(failures.keySet()).as("errors seen while switching over")
                .allMatch(failure -> failure.startsWith(StoreUnavailableException.class.getSimpleName()));
    }

    // ---- helpers

    /** Whether the sentinel names the replica as master and the old master serves as its replica. */
    private boolean switchedOver(int oldMaster, int replica) {
        try {
            return sentinel.masterPort() == replica
                    && "slave".equals(sentinel.info(oldMaster, "replication").get("role"));
        } catch (java.io.UncheckedIOException e) {
            return false; // the sentinel kills the old master's clients, the fixture's connection too
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private <T extends AutoCloseable> T track(T store) {
        opened.add(store);
        return store;
    }

    /**
     * Calls until the store answers, for up to {@link #FAILOVER_BUDGET}; counts each kind of failure
     * (type and message) in {@code failures}. Only {@link StoreUnavailableException} is retried, as
     * the filters turn only that one into a 503.
     */
    private static <T> T retry(Supplier<T> call, Map<String, Integer> failures) {
        long deadline = System.nanoTime() + FAILOVER_BUDGET.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                if (!(e instanceof StoreUnavailableException) || System.nanoTime() - deadline > 0) {
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

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
