package dev.stateless.testing;

/**
 * A JUnit 5 extension that starts a {@link RedisCluster} (three masters, real {@code redis-server}
 * processes) and stops it when the tests are done: on a {@code static} field one cluster for the
 * class, on an instance field one per test, as {@link RedisExtension} does for one server. A
 * parameter of type {@link RedisCluster} receives the running cluster.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension cluster = new RedisClusterExtension();
 *
 * SessionStore store = RedisSessionStore.builder(cluster.uri()).build();   // redis-cluster://...
 * }</pre>
 */
public final class RedisClusterExtension extends RedisFixtureExtension<RedisCluster> {

    /** An extension whose cluster starts when JUnit first calls it. */
    public RedisClusterExtension() {
        super(RedisCluster.class, RedisCluster::start);
    }

    /**
     * The running cluster.
     *
     * @return the cluster
     * @throws IllegalStateException before JUnit started it
     */
    public RedisCluster cluster() {
        return fixture();
    }

    /**
     * {@code redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3} of the running cluster.
     *
     * @return the URI
     */
    public String uri() {
        return cluster().uri();
    }
}
