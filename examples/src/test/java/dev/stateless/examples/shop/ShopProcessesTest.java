package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.examples.shop.Browser.Reply;
import dev.stateless.testing.FreePorts;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The shop as operators run it: two separate JVMs started through {@code ShopMain}, sharing only a
 * Redis and {@code SHOP_JWT_SECRET}. Launched from the test class path, so it needs no packaged jar.
 */
@WithRedis
class ShopProcessesTest {

    private static final String SECRET = "processes-test-secret-0123456789abcdefgh"; // 40 characters
    private static final Duration STARTUP = Duration.ofSeconds(30);

    private static RedisServer redis;
    private static ShopProcess a;
    private static ShopProcess b;

    @RegisterExtension
    static final TestWatcher PRINT_OUTPUT_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            for (ShopProcess process : new ShopProcess[] {a, b}) {
                if (process != null) {
                    process.printOutput();
                }
            }
        }
    };

    @BeforeAll
    static void startTwoProcesses(RedisServer started) throws Exception {
        assertThat(SECRET).hasSize(40);
        redis = started;
        int portA = FreePorts.loopback();
        int portB = FreePorts.loopback();
        while (portB == portA) {
            portB = FreePorts.loopback();
        }
        a = ShopProcess.start("A", SECRET, redis.uri(), portA);
        b = ShopProcess.start("B", SECRET, redis.uri(), portB);
        try {
            a.awaitHealthy(STARTUP);
            b.awaitHealthy(STARTUP);
        } catch (AssertionError | RuntimeException e) {
            a.printOutput();
            b.printOutput();
            throw e;
        }
    }

    @AfterAll
    static void stopProcesses() {
        for (ShopProcess process : new ShopProcess[] {a, b}) {
            if (process != null) {
                process.stop();
            }
        }
    }

    @Test
    void bothProcessesAnswerHealth() {
        for (ShopProcess process : List.of(a, b)) {
            Reply health = new Browser().get(process.url(), "/health");

            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("status").asText()).isEqualTo("UP");
            assertThat(health.json().path("node").asText()).isEqualTo("node-1");
        }
    }

    @Test
    void aTokenAndACartCrossProcesses() {
        Browser alice = new Browser();
        alice.login(a.url(), "alice");

        Reply added = alice.post(b.url(), "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        Reply read = alice.get(a.url(), "/cart");

        assertThat(added.status()).as("%s", added).isEqualTo(200);
        assertThat(read.status()).as("%s", read).isEqualTo(200);
        assertThat(read.json().path("items").path("sku-1").asInt()).isEqualTo(2);
        assertThat(read.json().path("total").asLong()).isEqualTo(2500);
        assertThat(alice.get(b.url(), "/me").json().path("sub").asText()).isEqualTo("alice");
    }

    @Test
    void anOrderPlacedInOneProcessIsReplayedByTheOther() {
        Browser alice = new Browser();
        alice.login(b.url(), "alice");
        alice.post(a.url(), "/cart/items", "{\"sku\":\"sku-3\",\"quantity\":1}");
        String key = UUID.randomUUID().toString();

        Reply placed = alice.order(a.url(), key, "{\"note\":\"from A\"}");
        Reply replayed = alice.order(b.url(), key, "{\"note\":\"from A\"}");

        assertThat(placed.status()).as("%s", placed).isEqualTo(201);
        assertThat(placed.header("Idempotent-Replayed")).isEmpty();
        assertThat(replayed.status()).as("%s", replayed).isEqualTo(201);
        assertThat(replayed.header("Idempotent-Replayed")).hasValue("true");
        String orderId = placed.json().path("orderId").asText();
        assertThat(replayed.json().path("orderId").asText()).isEqualTo(orderId);
        assertThat(replayed.body()).isEqualTo(placed.body());
        assertThat(alice.get(b.url(), "/orders").body()).contains(orderId);
        assertThat(alice.get(b.url(), "/cart").json().path("items")).isEmpty();
    }

    @Test
    void aTokenLoggedOutInOneProcessIsRefusedByTheOther() {
        Browser alice = new Browser();
        String token = alice.login(a.url(), "alice");
        assertThat(alice.get(a.url(), "/me").status()).isEqualTo(200);

        Reply logout = alice.post(b.url(), "/logout", null);
        Reply after = new Browser().token(token).get(a.url(), "/me");

        assertThat(logout.status()).as("%s", logout).isEqualTo(204);
        assertThat(after.status()).as("%s", after).isEqualTo(401);
        assertThat(after.contentType()).startsWith("application/problem+json");
        assertThat(after.header("WWW-Authenticate")).hasValueSatisfying(c -> assertThat(c).contains("invalid_token"));
    }

    @Test
    void aBadOptionExitsWith2AndOneClearLine() throws Exception {
        Finished finished = runToEnd(Map.of(), "--port", "abc");

        assertThat(finished.exitCode()).as(finished.output()).isEqualTo(2);
        assertThat(finished.output().lines().filter(l -> l.startsWith("error:")))
                .containsExactly("error: --port must be a number, was 'abc'");
        assertThat(finished.output()).contains("usage:").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aShortSecretIsRefusedWithOneClearLine() throws Exception {
        Finished finished = runToEnd(Map.of("SHOP_JWT_SECRET", "too-short"), "--redis", redis.uri(), "--port", "0");

        assertThat(finished.exitCode()).as(finished.output()).isNotZero();
        assertThat(finished.output().lines().filter(l -> l.startsWith("error:")))
                .containsExactly("error: SHOP_JWT_SECRET must be at least 32 bytes, was 9");
        assertThat(finished.output()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void anUnreachableRedisEndsTheProcessWithOneClearLine() throws Exception {
        Finished finished = runToEnd(Map.of("SHOP_JWT_SECRET", SECRET), "--redis", "redis://127.0.0.1:" + FreePorts.loopback(),
                "--port", "0");

        assertThat(finished.exitCode()).as(finished.output()).isNotZero();
        assertThat(finished.output().lines().filter(l -> l.startsWith("error:")))
                .singleElement(InstanceOfAssertFactories.STRING).contains("connect");
        assertThat(finished.output()).doesNotContain("\tat ");
    }

    @Test
    void helpPrintsTheUsageAndExits0() throws Exception {
        Finished finished = runToEnd(Map.of(), "--help");

        assertThat(finished.exitCode()).as(finished.output()).isZero();
        assertThat(finished.output()).contains("usage: java -jar stateless-shop.jar").contains("SHOP_JWT_SECRET");
    }

    // ---- helpers

    private record Finished(int exitCode, String output) {
    }

    private static Finished runToEnd(Map<String, String> env, String... args) throws Exception {
        Path log = Files.createTempFile("shop-main-", ".log");
        try {
            Process process = ShopProcess.builder(log, env, args).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("ShopMain " + String.join(" ", args) + " did not exit within 30 s:\n"
                        + Files.readString(log));
            }
            return new Finished(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
