package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.testing.MutableClock;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code loadAsync} and the touches loads leave waiting, on a real three-master Redis Cluster. */
@ExtendWith(RedisClusterExtension.class)
class ClusterSessionLoadTest {

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster(RedisCluster started) {
        cluster = started;
    }

    @BeforeEach
    void emptyCluster() {
        cluster.flushAll();
    }

    @Test
    void loadAsyncReadsSessionsOnEveryMasterAndTheirTouchesGoToTheSameNode() {
        MutableClock clock = MutableClock.at(Instant.now());
        List<SessionData> sessions = new ArrayList<>();
        try (RedisSessionStore store = ClusterStores.connected(cluster, RedisSessionStore.builder(cluster.uri())
                .clock(clock).touchDelay(Duration.ofMinutes(10)).commandTimeout(Duration.ofSeconds(2)).build())) {
            for (int port : cluster.ports()) {
                SessionData session = store.newSession().withId(ClusterStores.sessionIdOn(cluster, port));
                assertThat(store.save(SessionChanges.to(session).set("port", store.codec().encode((long) port)).build()))
                        .isTrue();
                sessions.add(session);
            }
            clock.advance(Duration.ofMinutes(1)); // every load is due for a touch
            // all sent first, then awaited: one round trip per node, none waiting for another
            List<CompletableFuture<Optional<SessionData>>> loads = new ArrayList<>();
            sessions.forEach(s -> loads.add(store.loadAsync(s.id(), 0)));
            CompletableFuture<Optional<SessionData>> unknown = store.loadAsync(SessionId.generate(), 0);

            for (int n = 0; n < sessions.size(); n++) {
                SessionData loaded = loads.get(n).join().orElseThrow();
                assertThat(loaded.id()).isEqualTo(sessions.get(n).id());
                assertThat(store.codec().decode(loaded.encodedAttribute("port").orElseThrow()))
                        .isEqualTo((long) cluster.ports().get(n));
            }
            assertThat(unknown.join()).isEmpty();
            assertThat(store.load(sessions.get(0).id())).isPresent();
        }
        // close sent the touches the loads left waiting, each to its key's own master
        for (SessionData session : sessions) {
            String key = ClusterStores.sessionKey(session.id());
            assertThat(Long.parseLong(cluster.command(cluster.portOf(key), "HGET", key, "#m").split(":")[2]))
                    .isEqualTo(clock.instant().toEpochMilli());
        }
    }
}
