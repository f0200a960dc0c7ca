package dev.stateless.redis;

import static dev.stateless.testing.Tokens.withId;

import static dev.stateless.redis.ClusterStores.connected;
import static dev.stateless.redis.ClusterStores.idempotencyKeyOn;
import static dev.stateless.redis.ClusterStores.retryWhileUnavailable;
import static dev.stateless.redis.ClusterStores.sessionIdOn;
import static dev.stateless.redis.ClusterStores.tokenIdOn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The stores' connections to a real three-master Redis Cluster (no replicas): a fresh store, a
 * master that dies and comes back, a cluster that declares itself down. Redis being away is a
 * {@link StoreUnavailableException} (a 503 at the filters), never another error, and the stores
 * recover by themselves.
 */
@ExtendWith(RedisClusterExtension.class)
class ClusterConnectionTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Duration ABSOLUTE = Duration.ofHours(12);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

    private static RedisCluster cluster;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startCluster(RedisCluster started) {
        cluster = started;
    }

    @BeforeEach
    void healthyAndEmpty() {
        for (int port : cluster.ports()) {
            if (!cluster.isRunning(port)) {
                cluster.restart(port);
            }
        }
        cluster.awaitOk(Duration.ofSeconds(20));
        cluster.flushAll();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable store : opened) {
            store.close();
        }
    }

    @Test
    void aFreshStoreServesItsVeryFirstCallOnEveryMaster() {
        // Each store is new, so each call below is its first to that master: no warm-up, as in an
        // application that just started. Sessions, idempotency records and revocations alike.
        List<String> failures = new ArrayList<>();
        SessionStore sessions = track(sessionStore());
        IdempotencyKeyStore keys = track(RedisIdempotencyKeyStore.builder(cluster.uri()).commandTimeout(COMMAND_TIMEOUT)
                .build());
        RevocationList revoked = track(RedisRevocationList.builder(cluster.uri()).commandTimeout(COMMAND_TIMEOUT).build());
        for (int port : cluster.ports()) {
            SessionId id = sessionIdOn(cluster, port);
            String key = idempotencyKeyOn(cluster, port);
            String jti = tokenIdOn(cluster, port);
            record(failures, "session save on " + port,
                    () -> sessions.save(SessionChanges.to(SessionData.newSession(id, Instant.now(), IDLE, ABSOLUTE))
                            .build()));
            record(failures, "acquire on " + port, () -> keys.acquire(key, "fp"));
            record(failures, "revoke on " + port, () -> {
                revoked.revoke(withId(jti, Instant.now().plusSeconds(60)), Duration.ZERO);
                return null;
            });
        }

        assertThat(failures).as("first calls of fresh stores that failed").isEmpty();
    }

    @Test
    void aDeadMasterMakesItsOwnRecordsUnavailableAtOnceAndTheStoreRecoversWhenItReturns() {
        SessionStore sessions = track(connected(cluster, sessionStore()));
        List<Integer> ports = cluster.ports();
        int dying = ports.get(0);
        int surviving = ports.get(1);
        SessionId onDying = saveOn(sessions, dying);
        SessionId onSurviving = saveOn(sessions, surviving);

        cluster.kill(dying);

        long started = System.nanoTime();
        Throwable thrown = catchThrowable(() -> sessions.load(onDying));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(thrown).isInstanceOf(StoreUnavailableException.class);
        assertThat(took).isLessThan(COMMAND_TIMEOUT.plusSeconds(1));
        // the other masters serve on until the cluster declares itself down (node timeout: 2 s)
        assertThat(sessions.load(onSurviving)).isPresent();

        cluster.restart(dying); // empty, but with its slots: the cluster is ok again
        SessionId fresh = sessionIdOn(cluster, dying);
        long recovering = System.nanoTime();
        assertThat(retryWhileUnavailable(() -> sessions.save(SessionChanges.to(
                SessionData.newSession(fresh, Instant.now(), IDLE, ABSOLUTE)).build()), Duration.ofSeconds(20))).isTrue();
        System.out.printf("[cluster outage] store served the restarted master again after %d ms%n",
                Duration.ofNanos(System.nanoTime() - recovering).toMillis());
        assertThat(sessions.load(fresh)).isPresent();
        assertThat(sessions.load(onDying)).as("a master without replica or persistence comes back empty").isEmpty();
        assertThat(retryWhileUnavailable(() -> sessions.load(onSurviving))).isPresent();
    }

    @Test
    void aClusterThatDeclaredItselfDownIsStoreUnavailableNotAnotherError() {
        SessionStore sessions = track(connected(cluster, sessionStore()));
        IdempotencyKeyStore keys = track(connected(cluster, RedisIdempotencyKeyStore.builder(cluster.uri())
                .commandTimeout(COMMAND_TIMEOUT).build()));
        List<Integer> ports = cluster.ports();
        int surviving = ports.get(1);
        SessionId onSurviving = saveOn(sessions, surviving);

        cluster.kill(ports.get(0));
        awaitClusterState(surviving, "fail", Duration.ofSeconds(15));

        // The surviving masters answer -CLUSTERDOWN: Redis is there, but cannot serve.
        Throwable load = catchThrowable(() -> sessions.load(onSurviving));
        Throwable acquire = catchThrowable(() -> keys.acquire(idempotencyKeyOn(cluster, surviving), "fp"));
        System.out.printf("[cluster down] load: %s; acquire: %s%n", load, acquire);

        cluster.restart(ports.get(0));
        assertThat(retryWhileUnavailable(() -> sessions.load(onSurviving), Duration.ofSeconds(20))).isPresent();
        assertThat(retryWhileUnavailable(() -> keys.acquire(idempotencyKeyOn(cluster, surviving), "fp"),
                Duration.ofSeconds(20))).isInstanceOf(Acquisition.Acquired.class);
        assertThat(load).isInstanceOf(StoreUnavailableException.class);
        assertThat(acquire).isInstanceOf(StoreUnavailableException.class);
    }

    // ---- helpers

    private SessionStore sessionStore() {
        return RedisSessionStore.builder(cluster.uri())
                .idleTimeout(IDLE)
                .absoluteTimeout(ABSOLUTE)
                .commandTimeout(COMMAND_TIMEOUT)
                .build();
    }

    private <T extends AutoCloseable> T track(T store) {
        opened.add(store);
        return store;
    }

    private static SessionId saveOn(SessionStore sessions, int port) {
        SessionId id = sessionIdOn(cluster, port);
        SessionData session = SessionData.newSession(id, Instant.now(), IDLE, ABSOLUTE);
        assertThat(sessions.save(SessionChanges.to(session).set("a", sessions.codec().encode("1")).build())).isTrue();
        return id;
    }

    private static void record(List<String> failures, String what, java.util.function.Supplier<?> call) {
        try {
            call.get();
        } catch (RuntimeException e) {
            failures.add(what + ": " + e);
        }
    }

    private static void awaitClusterState(int port, String state, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!state.equals(cluster.clusterInfo(port).get("cluster_state"))) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the master on " + port + " did not report cluster_state:" + state
                        + " within " + timeout + ": " + cluster.clusterInfo(port));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
