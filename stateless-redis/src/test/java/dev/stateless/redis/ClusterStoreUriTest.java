package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionStores;
import dev.stateless.testing.RedisCluster;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The URIs that select Cluster ({@code redis-cluster://seed,seed}) and Sentinel
 * ({@code redis-sentinel://host:port#master}), in code and in a filter's {@code store-uri}.
 */
class ClusterStoreUriTest {

    @Test
    void aClusterUriListsItsSeedNodes() {
        RedisEndpoint endpoint = RedisEndpoint.parse("redis-cluster://127.0.0.1:7000, 10.0.0.2:7001,node-3:7002");

        assertThat(endpoint.cluster()).isTrue();
        assertThat(endpoint.uris()).extracting(RedisURI::getHost).containsExactly("127.0.0.1", "10.0.0.2", "node-3");
        assertThat(endpoint.uris()).extracting(RedisURI::getPort).containsExactly(7000, 7001, 7002);
        assertThat(endpoint.uris()).noneMatch(RedisURI::isSsl);
    }

    @Test
    void credentialsAndTlsOfAClusterUriApplyToEverySeed() {
        RedisEndpoint endpoint = RedisEndpoint.parse("rediss-cluster://app:s3cret@h1:7000,h2:7001");

        assertThat(endpoint.cluster()).isTrue();
        assertThat(endpoint.uris()).hasSize(2).allSatisfy(seed -> {
            assertThat(seed.isSsl()).isTrue();
            RedisCredentials credentials = seed.getCredentialsProvider().resolveCredentials().block();
            assertThat(credentials.getUsername()).isEqualTo("app");
            assertThat(credentials.getPassword()).containsExactly("s3cret".toCharArray());
        });
    }

    @Test
    void aClusterUriWithoutSeedsIsRefusedAtBuild() {
        assertThatThrownBy(() -> RedisSessionStore.builder("redis-cluster://"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis-cluster://");
        assertThatThrownBy(() -> RedisIdempotencyKeyStore.builder("redis-cluster://,"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSentinelUriNamesTheSentinelsAndTheMasterAndIsNotACluster() {
        RedisEndpoint endpoint = RedisEndpoint.parse("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#mymaster");

        assertThat(endpoint.cluster()).isFalse();
        RedisURI uri = endpoint.uris().get(0);
        assertThat(uri.getSentinelMasterId()).isEqualTo("mymaster");
        assertThat(uri.getSentinels()).extracting(RedisURI::getPort).containsExactly(26379, 26380);
    }

    @Test
    void aClusterUriWorksAsTheStoreUriOfTheSessionFilter() {
        // what StatelessSessionFilter does with its store-uri init-param (web.xml)
        try (RedisCluster cluster = RedisCluster.start();
                SessionStore store = SessionStores.create(cluster.uri(), Map.of("idle-timeout", "PT10M"))) {
            ClusterStores.connected(cluster, store);
            SessionData session = store.newSession();

            assertThat(store.save(SessionChanges.to(session).build())).isTrue();

            assertThat(store).isInstanceOf(RedisSessionStore.class);
            assertThat(store.load(session.id())).hasValueSatisfying(
                    loaded -> assertThat(loaded.idleTimeout()).isEqualTo(Duration.ofMinutes(10)));
        }
    }
}
