package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.examples.shop.Browser.Reply;
import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a client sees when Redis fails or holds something unreadable: problems
 * ({@code application/problem+json}), never a container error page naming an exception.
 */
class ShopOutageTest {

    private static final byte[] SECRET = "outage-test-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);

    /** A server of each test's own (an instance field): the tests stop it. */
    @RegisterExtension
    final RedisExtension redisPerTest = new RedisExtension();

    private RedisServer redis;
    private ShopNode node;

    @BeforeEach
    void start(RedisServer started) throws Exception {
        redis = started;
        node = new ShopNode("node-1", 0, redis.uri(), SECRET, Duration.ofMillis(500));
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void whileRedisIsDownTokensAreRefusedWith503ButLoginAndHealthWork() {
        Browser alice = new Browser();
        alice.login(node.url(), "alice");
        redis.stop();

        Reply me = alice.get(node.url(), "/me");
        Reply login = new Browser().post(node.url(), "/login", "{\"username\":\"bob\",\"password\":\"bob-pw\"}");
        Reply health = new Browser().get(node.url(), "/health");

        assertThat(me.status()).as("%s", me).isEqualTo(503);
        assertThat(me.contentType()).startsWith("application/problem+json");
        assertThat(me.header("Retry-After")).isPresent();
        assertThat(login.status()).isEqualTo(200);
        assertThat(health.status()).isEqualTo(200);
    }

    @Test
    void redisFailingDuringAnOrderIsAProblemAndNotAnErrorPage() throws Exception {
        Browser alice = new Browser();
        alice.login(node.url(), "alice");
        alice.post(node.url(), "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");

        CompletableFuture<Reply> order = alice.orderAsync(node.url(), UUID.randomUUID().toString(), "{\"note\":\"x\"}");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (redis.commandList("KEYS", "stateless:i:*").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        redis.stop(); // while the order waits for its "payment provider"
        Reply reply = order.get();

        assertThat(reply.status()).as("%s", reply).isBetween(500, 599);
        assertThat(reply.contentType()).as("%s", reply).startsWith("application/problem+json");
        assertThat(reply.body()).doesNotContain("lettuce").doesNotContain("Exception");
    }

    @Test
    void anUnreadableOrderIsA500ProblemAndNotAnErrorPage() {
        Browser alice = new Browser();
        alice.login(node.url(), "alice");
        redis.command("HSET", "shop:orders:{alice}", "ord-000001", "{not an order");

        Reply reply = alice.get(node.url(), "/orders");

        assertThat(reply.status()).as("%s", reply).isEqualTo(500);
        assertThat(reply.contentType()).as("%s", reply).startsWith("application/problem+json");
        assertThat(reply.body()).doesNotContain("IllegalStateException");
    }
}
