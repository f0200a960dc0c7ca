package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.servlet.Browser.Reply;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the migration tests of issue 12 share: one real Redis per class, an HTTP client, and the
 * nodes (or servers) a test starts, stopped after it.
 */
@WithRedis
abstract class AbstractMigrationTest {

    static RedisServer redis;
    static HttpClient http;
    private final List<AutoCloseable> running = new ArrayList<>();

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
        http = Browser.newHttpClient();
    }

    @AfterEach
    void stopWhatRuns() throws Exception {
        for (AutoCloseable closeable : running) {
            closeable.close();
        }
        running.clear();
    }

    /** Stopped after the test. */
    <T extends AutoCloseable> T running(T started) {
        running.add(started);
        return started;
    }

    /**
     * The operator's switch of a node of the fixture with {@link LegacyWebapp#withMigrationSwitch}
     * ({@code percent=N}, {@code when-cookie=C}, or nothing); answers the node's migration counters.
     */
    static Map<String, String> switchTo(ContainerNode node, String query) {
        Reply reply = Browser.withoutCookies(http).get(node, "admin/rollout?" + query);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.lines();
    }
}
