package dev.stateless.testing;

/**
 * A JUnit 5 extension that starts a real {@code redis-server} ({@link RedisServer#start()}: on a
 * free loopback port, the binary on the {@code PATH} or else the one in the embedded-redis jar, or
 * the external server named by {@value RedisServer#URI_ENV}) and stops it when the tests are done.
 *
 * <pre>{@code
 * class CartStoreTest {
 *     @RegisterExtension
 *     static final RedisExtension redis = new RedisExtension();   // one server for the class
 *
 *     @Test
 *     void savesTheCart() {
 *         SessionStore store = RedisSessionStore.builder(redis.uri()).build();
 *         ...
 *         assertThat(redis.server().commandLong("DBSIZE")).isEqualTo(1);
 *     }
 * }
 * }</pre>
 *
 * <p>On a {@code static} field the server is started before the class's {@code @BeforeAll} methods
 * and stopped after its {@code @AfterAll} methods; on an instance field each test gets a server of
 * its own, started before its {@code @BeforeEach} methods and stopped after its {@code @AfterEach}
 * methods (for tests that stop or restart Redis). {@link WithRedis @WithRedis} on the class does the
 * same as a static field. In either form a parameter of type {@link RedisServer} (of a constructor,
 * a lifecycle method or a test) receives the running server. Data is not flushed between tests:
 * call {@link RedisServer#flushAll()} in a {@code @BeforeEach} where a test needs an empty server.
 *
 * <p>Thread-safe; tests of one class that run in parallel share the one server.
 */
public final class RedisExtension extends RedisFixtureExtension<RedisServer> {

    /** An extension whose server starts when JUnit first calls it; see the class comment. */
    public RedisExtension() {
        super(RedisServer.class, RedisServer::start);
    }

    /**
     * The running server, for commands ({@link RedisServer#command}), outages ({@link
     * RedisServer#stop()}, {@link RedisServer#restart()}) and what is in Redis.
     *
     * @return the server
     * @throws IllegalStateException before JUnit started it (outside the tests of the class that
     *     registers it)
     */
    public RedisServer server() {
        return fixture();
    }

    /**
     * {@code redis://127.0.0.1:PORT} of the running server.
     *
     * @return the URI
     */
    public String uri() {
        return server().uri();
    }
}
