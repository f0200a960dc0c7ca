package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.stateless.core.Health;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code health()} on a real three-master Redis Cluster: UP with {@code cluster_state:ok}; DOWN
 * once the cluster declares itself down (a master died and its slots are unserved), although the
 * other nodes still answer {@code PING}; UP again when the master is back.
 */
@ExtendWith(RedisClusterExtension.class)
class ClusterHealthTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration HANG = Duration.ofSeconds(20);

    @Test
    void downWhileTheClusterIsDownAndUpWhenItIsWholeAgain(RedisCluster cluster) {
        try (RedisSessionStore store = RedisSessionStore.builder(cluster.uri()).commandTimeout(COMMAND_TIMEOUT).build()) {
            Health up = store.health();
            assertThat(up.isUp()).isTrue();
            assertThat(up.details()).containsEntry("cluster_state", "ok")
                    .hasEntrySatisfying("endpoint", e -> assertThat(e).startsWith("redis-cluster://"));

            int dying = cluster.ports().get(2); // not the first seed, which Lettuce asks by default
            cluster.kill(dying);
            Health down = poll(() -> assertTimeoutPreemptively(HANG, store::health), h -> !h.isUp(), Duration.ofSeconds(20));
            assertThat(down.status()).isEqualTo(Health.Status.DOWN);
            assertThat(down.error()).hasValueSatisfying(e -> assertThat(e).isNotBlank());

            cluster.restart(dying);
            assertThat(poll(store::health, Health::isUp, Duration.ofSeconds(30)).isUp()).isTrue();
        }
    }

    /** The first answer that matches, polled every 100 ms; the last answer when time ran out. */
    private static Health poll(Supplier<Health> check, java.util.function.Predicate<Health> done, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        Health last = check.get();
        while (!done.test(last) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            last = check.get();
        }
        return last;
    }
}
