package dev.stateless.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stateless.examples.shop.Browser.Reply;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shop's HTTP contract, over real HTTP against three real nodes that share one real Redis and
 * one token secret, and nothing else: every scenario crosses nodes.
 */
@WithRedis
class ShopContractTest {

    private static final Duration ORDER_DELAY = Duration.ofMillis(300);
    private static final byte[] SECRET = "contract-test-secret-of-at-least-32-b".getBytes(StandardCharsets.UTF_8);

    private static RedisServer redis;
    private static final List<ShopNode> nodes = new ArrayList<>();
    private static String node1;
    private static String node2;
    private static String node3;

    @BeforeAll
    static void startShop(RedisServer started) throws Exception {
        redis = started;
        for (int i = 1; i <= 3; i++) {
            nodes.add(new ShopNode("node-" + i, 0, redis.uri(), SECRET, ORDER_DELAY));
        }
        node1 = nodes.get(0).url();
        node2 = nodes.get(1).url();
        node3 = nodes.get(2).url();
    }

    @AfterAll
    static void stopShop() throws Exception {
        for (ShopNode node : nodes) {
            node.close();
        }
        nodes.clear();
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    // ---- /health

    @Test
    void healthAnswersUpAndTheNodeNameWithoutAToken() {
        Browser anonymous = new Browser();
        for (int i = 1; i <= 3; i++) {
            Reply health = anonymous.get(nodes.get(i - 1).url(), "/health");

            assertThat(health.status()).isEqualTo(200);
            assertThat(health.contentType()).startsWith("application/json");
            assertThat(health.json().path("status").asText()).isEqualTo("UP");
            assertThat(health.json().path("node").asText()).isEqualTo("node-" + i);
        }
    }

    // ---- /login

    @Test
    void loginWithRightPasswordAnswersABearerTokenFor900Seconds() {
        for (String user : List.of("alice", "bob")) {
            Reply login = new Browser().post(node1, "/login",
                    "{\"username\":\"" + user + "\",\"password\":\"" + user + "-pw\"}");

            assertThat(login.status()).as("%s", login).isEqualTo(200);
            assertThat(login.contentType()).startsWith("application/json");
            JsonNode body = login.json();
            assertThat(body.path("token_type").asText()).isEqualTo("Bearer");
            assertThat(body.path("expires_in").isIntegralNumber()).isTrue();
            assertThat(body.path("expires_in").asLong()).isEqualTo(900);
            assertThat(body.path("access_token").asText()).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        }
    }

    @Test
    void loginWithWrongPasswordOrUnknownUserIs401Problem() {
        Browser browser = new Browser();
        for (String body : List.of("{\"username\":\"alice\",\"password\":\"bob-pw\"}",
                "{\"username\":\"alice\",\"password\":\"\"}",
                "{\"username\":\"mallory\",\"password\":\"mallory-pw\"}")) {
            Reply login = browser.post(node2, "/login", body);

            assertProblem(login, 401);
            assertThat(login.body()).doesNotContain("access_token");
        }
    }

    @Test
    void loginWithoutCredentialsOrWithBadJsonIs400Problem() {
        Browser browser = new Browser();
        for (String body : List.of("{\"username\":\"alice\"}", "{not json", "[]", "")) {
            assertProblem(browser.post(node3, "/login", body), 400);
        }
    }

    // ---- /me and authentication

    @Test
    void aTokenIssuedByOneNodeIsAcceptedByEveryNode() {
        Browser alice = new Browser();
        alice.login(node1, "alice");

        for (int i = 1; i <= 3; i++) {
            Reply me = alice.get(nodes.get(i - 1).url(), "/me");

            assertThat(me.status()).as("%s", me).isEqualTo(200);
            assertThat(me.contentType()).startsWith("application/json");
            assertThat(me.json().path("sub").asText()).isEqualTo("alice");
            assertThat(me.json().path("node").asText()).isEqualTo("node-" + i);
        }
    }

    @Test
    void meWithoutATokenIs401WithABearerChallenge() {
        Reply me = new Browser().get(node2, "/me");

        assertProblem(me, 401);
        assertThat(me.header("WWW-Authenticate")).hasValueSatisfying(challenge -> {
            assertThat(challenge).startsWith("Bearer").contains("realm=\"shop\"");
            assertThat(challenge).doesNotContain("error=");
        });
    }

    @Test
    void meWithAGarbledOrForeignTokenIs401InvalidToken() {
        String genuine = new Browser().login(node1, "alice");
        String[] parts = genuine.split("\\.");
        String badSignature = parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 4)
                + (parts[2].endsWith("AAAA") ? "BBBB" : "AAAA");
        String otherSecret = JwtIssuer.builder()
                .hmacSecret("another-secret-that-is-32-bytes-long!".getBytes(StandardCharsets.UTF_8))
                .issuer("stateless-shop").audience("shop").lifetime(Duration.ofMinutes(5)).build().issue("alice");

        for (String token : List.of("not-a-jwt", badSignature, otherSecret)) {
            Reply me = new Browser().token(token).get(node3, "/me");

            assertProblem(me, 401);
            assertThat(me.header("WWW-Authenticate")).hasValueSatisfying(challenge ->
                    assertThat(challenge).startsWith("Bearer").contains("error=\"invalid_token\""));
            assertThat(me.body()).doesNotContain(token);
        }
    }

    @Test
    void everyRouteButLoginAndHealthNeedsAToken() {
        Browser anonymous = new Browser();
        for (String[] route : new String[][] {{"GET", "/cart"}, {"POST", "/cart/items"}, {"GET", "/orders"},
                {"POST", "/orders"}, {"POST", "/logout"}, {"GET", "/nowhere"}}) {
            Reply reply = anonymous.send(node1, route[0], route[1], route[0].equals("POST") ? "{}" : null);

            assertProblem(reply, 401);
            assertThat(reply.header("WWW-Authenticate")).isPresent();
        }
    }

    // ---- /cart

    @Test
    void theCartFollowsTheSessionCookieAcrossNodes() {
        Browser alice = new Browser();
        alice.login(node1, "alice");

        Reply added = alice.post(node2, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        assertThat(added.status()).as("%s", added).isEqualTo(200);
        assertThat(added.contentType()).startsWith("application/json");
        assertThat(added.headers("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("SESSION=").contains("HttpOnly"));
        assertThat(alice.session()).isNotNull();
        assertThat(added.json()).isEqualTo(json("{\"items\":{\"sku-1\":2},\"total\":2500}"));

        Reply read = alice.get(node3, "/cart");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.contentType()).startsWith("application/json");
        assertThat(read.json()).isEqualTo(json("{\"items\":{\"sku-1\":2},\"total\":2500}"));
        assertThat(redis.commandList("KEYS", "stateless:s:*")).hasSize(1);
    }

    @Test
    void addingToTheCartOnEveryNodeAccumulatesInTheSameSession() {
        Browser alice = new Browser();
        alice.login(node1, "alice");

        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        String session = alice.session();
        alice.post(node2, "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":1}");
        Reply third = alice.post(node3, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");

        assertThat(alice.session()).isEqualTo(session);
        assertThat(third.json()).isEqualTo(json("{\"items\":{\"sku-1\":3,\"sku-2\":1},\"total\":4249}"));
        assertThat(alice.get(node2, "/cart").json()).isEqualTo(third.json());
    }

    @Test
    void aCartIsEmptyBeforeAnythingIsAdded() {
        Browser alice = new Browser();
        alice.login(node1, "alice");

        Reply cart = alice.get(node2, "/cart");

        assertThat(cart.status()).isEqualTo(200);
        assertThat(cart.json()).isEqualTo(json("{\"items\":{},\"total\":0}"));
    }

    @Test
    void bobDoesNotSeeAlicesCart() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-3\",\"quantity\":1}");
        Browser bob = new Browser();
        bob.login(node2, "bob");
        bob.post(node2, "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":4}");

        assertThat(bob.session()).isNotEqualTo(alice.session());
        assertThat(bob.get(node3, "/cart").json()).isEqualTo(json("{\"items\":{\"sku-2\":4},\"total\":1996}"));
        assertThat(alice.get(node3, "/cart").json()).isEqualTo(json("{\"items\":{\"sku-3\":1},\"total\":2000}"));
    }

    @Test
    void bobPresentingAlicesSessionCookieDoesNotGetHerCart() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        Browser bobOnAlicesBrowser = new Browser().session(alice.session());
        bobOnAlicesBrowser.login(node2, "bob");

        Reply cart = bobOnAlicesBrowser.get(node2, "/cart");

        assertThat(cart.status()).isEqualTo(200);
        assertThat(cart.json()).isEqualTo(json("{\"items\":{},\"total\":0}"));
        bobOnAlicesBrowser.post(node3, "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":1}");
        assertThat(alice.get(node3, "/cart").json()).isEqualTo(json("{\"items\":{\"sku-1\":2},\"total\":2500}"));
    }

    @Test
    void badCartItemsAre400ProblemsAndLeaveTheCartAlone() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");

        for (String body : List.of("{\"sku\":\"sku-404\",\"quantity\":1}", "{\"sku\":\"sku-1\",\"quantity\":0}",
                "{\"sku\":\"sku-1\",\"quantity\":-3}", "{\"sku\":\"sku-1\",\"quantity\":101}",
                "{\"quantity\":1}", "{\"sku\":\"sku-1\"", "not json at all", "[{\"sku\":\"sku-1\"}]", "",
                "{\"sku\":\"sku-1\",\"quantity\":1,\"x\":" + "[".repeat(40) + "]".repeat(40) + "}",
                "{\"sku\":\"" + "x".repeat(20_000) + "\",\"quantity\":1}")) {
            assertProblem(alice.post(node2, "/cart/items", body), 400);
        }

        assertThat(alice.get(node3, "/cart").json()).isEqualTo(json("{\"items\":{\"sku-1\":1},\"total\":1250}"));
    }

    // ---- /orders

    @Test
    void anOrderIsCreatedFromTheCartWhichIsThenEmpty() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node2, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        alice.post(node2, "/cart/items", "{\"sku\":\"sku-3\",\"quantity\":1}");

        Reply order = alice.order(node3, key(), "{\"note\":\"leave at the door\"}");

        assertThat(order.status()).as("%s", order).isEqualTo(201);
        assertThat(order.contentType()).startsWith("application/json");
        assertThat(order.header("Idempotent-Replayed")).isEmpty();
        JsonNode body = order.json();
        String orderId = body.path("orderId").asText();
        assertThat(orderId).isNotBlank();
        assertThat(body.path("items")).isEqualTo(json("{\"sku-1\":2,\"sku-3\":1}"));
        assertThat(body.path("total").asLong()).isEqualTo(4500);
        assertThat(order.header("Location")).hasValue("/orders/" + orderId);

        assertThat(alice.get(node1, "/cart").json()).isEqualTo(json("{\"items\":{},\"total\":0}"));
    }

    @Test
    void ordersAreInRedisAndListedByEveryNodeForTheirOwnerOnly() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":3}");
        String orderId = alice.order(node1, key(), "{\"note\":\"first\"}").json().path("orderId").asText();
        alice.post(node2, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");
        String secondId = alice.order(node2, key(), "{\"note\":\"second\"}").json().path("orderId").asText();

        Reply mine = alice.get(node3, "/orders");

        assertThat(mine.status()).isEqualTo(200);
        assertThat(mine.contentType()).startsWith("application/json");
        JsonNode orders = mine.json().path("orders");
        assertThat(orders).hasSize(2);
        assertThat(orders.get(0).path("orderId").asText()).isEqualTo(orderId);
        assertThat(orders.get(0).path("items")).isEqualTo(json("{\"sku-2\":3}"));
        assertThat(orders.get(0).path("total").asLong()).isEqualTo(1497);
        assertThat(orders.get(1).path("orderId").asText()).isEqualTo(secondId);
        assertThat(redis.commandList("HKEYS", "shop:orders:{alice}")).containsExactlyInAnyOrder(orderId, secondId);

        Browser bob = new Browser();
        bob.login(node3, "bob");
        Reply bobs = bob.get(node1, "/orders");
        assertThat(bobs.status()).isEqualTo(200);
        assertThat(bobs.json().path("orders")).isEmpty();
        assertThat(bobs.body()).doesNotContain(orderId);
    }

    @Test
    void aRepeatedOrderOnAnotherNodeReplaysTheFirstAnswer() {
        Browser alice = new Browser();
        String key = key();
        Reply first = orderTwoOfSku1(alice, key);

        Reply replay = alice.order(node2, key, "{\"note\":\"once\"}");

        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header("Idempotent-Replayed")).hasValue("true");
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.contentType()).startsWith("application/json");
        assertThat(replay.header("Location")).isEqualTo(first.header("Location"));
        assertThat(alice.get(node3, "/orders").json().path("orders")).hasSize(1);
        assertThat(redis.commandLong("HLEN", "shop:orders:{alice}")).isEqualTo(1);
    }

    @Test
    void aKeyReusedAfterItsRecordExpiredForANewCartIsRefusedAndTheCartIsKept() {
        Browser alice = new Browser();
        String key = key();
        Reply first = orderTwoOfSku1(alice, key);
        for (String record : redis.commandList("KEYS", "stateless:i:*")) {
            redis.command("DEL", record); // the idempotency record's retention ended
        }
        alice.post(node2, "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":1}");

        Reply reused = alice.order(node3, key, "{\"note\":\"once\"}");

        assertProblem(reused, 422);
        assertThat(reused.body()).doesNotContain(first.json().path("orderId").asText());
        assertThat(alice.get(node2, "/orders").json().path("orders")).hasSize(1);
        assertThat(alice.get(node2, "/cart").json()).isEqualTo(json("{\"items\":{\"sku-2\":1},\"total\":499}"));
    }

    /** Alice logs in on node 1, puts two of sku-1 in her cart and orders them with {@code key}. */
    private static Reply orderTwoOfSku1(Browser alice, String key) {
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        Reply first = alice.order(node1, key, "{\"note\":\"once\"}");
        assertThat(first.status()).isEqualTo(201);
        return first;
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        String key = key();
        assertThat(alice.order(node1, key, "{\"note\":\"once\"}").status()).isEqualTo(201);
        alice.post(node2, "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":1}");

        Reply reused = alice.order(node3, key, "{\"note\":\"something else\"}");

        assertProblem(reused, 422);
        assertThat(reused.header("Idempotent-Replayed")).isEmpty();
        assertThat(alice.get(node2, "/orders").json().path("orders")).hasSize(1);
        assertThat(alice.get(node2, "/cart").json()).isEqualTo(json("{\"items\":{\"sku-2\":1},\"total\":499}"));
    }

    @Test
    void theSameKeyWhileTheFirstOrderIsStillRunningIs409WithRetryAfter() throws Exception {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");
        String key = key();

        CompletableFuture<Reply> first = alice.orderAsync(node1, key, "{\"note\":\"slow\"}");
        awaitHeldIdempotencyKey();
        Reply duplicate = alice.order(node2, key, "{\"note\":\"slow\"}");

        assertThat(first).as("the duplicate must arrive while the first still runs").isNotDone();
        assertProblem(duplicate, 409);
        assertThat(duplicate.header("Retry-After")).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isPositive());
        Reply original = first.get();
        assertThat(original.status()).isEqualTo(201);
        Reply retried = alice.order(node3, key, "{\"note\":\"slow\"}");
        assertThat(retried.status()).isEqualTo(201);
        assertThat(retried.header("Idempotent-Replayed")).hasValue("true");
        assertThat(retried.body()).isEqualTo(original.body());
        assertThat(redis.commandLong("HLEN", "shop:orders:{alice}")).isEqualTo(1);
    }

    @Test
    void anOrderWithoutIdempotencyKeyIs400AndPlacesNothing() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");

        assertProblem(alice.order(node2, null, "{\"note\":\"no key\"}"), 400);
        assertProblem(alice.send(node2, "POST", "/orders", "{\"note\":\"bad key\"}", "Idempotency-Key", "\"unterminated"),
                400);

        assertThat(alice.get(node3, "/orders").json().path("orders")).isEmpty();
        assertThat(alice.get(node3, "/cart").json()).isEqualTo(json("{\"items\":{\"sku-1\":1},\"total\":1250}"));
    }

    @Test
    void anOrderWithBadJsonOrAnEmptyCartIs400Problem() {
        Browser alice = new Browser();
        alice.login(node1, "alice");

        assertProblem(alice.order(node2, key(), "{\"note\":\"nothing in the cart\"}"), 400);
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");
        assertProblem(alice.order(node2, key(), "{\"note\":"), 400);
        assertProblem(alice.order(node2, key(), "\"just a string\""), 400);

        assertThat(alice.get(node3, "/orders").json().path("orders")).isEmpty();
    }

    @Test
    void bobReusingAlicesKeyDoesNotGetHerOrder() {
        Browser alice = new Browser();
        alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1}");
        String key = key();
        Reply hers = alice.order(node1, key, "{\"note\":\"same\"}");
        Browser bob = new Browser();
        bob.login(node2, "bob");
        bob.post(node2, "/cart/items", "{\"sku\":\"sku-2\",\"quantity\":1}");

        Reply his = bob.order(node2, key, "{\"note\":\"same\"}");

        assertThat(his.status()).isEqualTo(201);
        assertThat(his.header("Idempotent-Replayed")).isEmpty();
        assertThat(his.json().path("orderId").asText()).isNotEqualTo(hers.json().path("orderId").asText());
        assertThat(his.json().path("items")).isEqualTo(json("{\"sku-2\":1}"));
    }

    // ---- /logout

    @Test
    void logoutRevokesTheTokenOnEveryNodeAndEndsTheSession() {
        Browser alice = new Browser();
        String token = alice.login(node1, "alice");
        alice.post(node1, "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":2}");
        String oldSession = alice.session();
        assertThat(redis.commandList("KEYS", "stateless:s:*")).hasSize(1);

        Reply logout = alice.post(node2, "/logout", null);

        assertThat(logout.status()).as("%s", logout).isEqualTo(204);
        assertThat(logout.body()).isEmpty();
        assertThat(logout.headers("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("SESSION=;").contains("Max-Age=0"));
        assertThat(redis.commandList("KEYS", "stateless:s:*")).isEmpty();
        assertThat(redis.commandList("KEYS", "stateless:r:*")).hasSize(1);
        for (ShopNode node : nodes) {
            Reply me = new Browser().token(token).get(node.url(), "/me");
            assertProblem(me, 401);
            assertThat(me.header("WWW-Authenticate")).hasValueSatisfying(c -> assertThat(c).contains("invalid_token"));
        }
        Reply orders = new Browser().token(token).get(node3, "/orders");
        assertProblem(orders, 401);

        Browser again = new Browser().session(oldSession);
        again.login(node3, "alice");
        Reply cart = again.get(node3, "/cart");
        assertThat(cart.status()).isEqualTo(200);
        assertThat(cart.json()).isEqualTo(json("{\"items\":{},\"total\":0}"));
        assertThat(again.session()).as("a new session, not the invalidated one").isNotEqualTo(oldSession);
    }

    @Test
    void logoutWithoutASessionIs204AndOtherTokensOfTheUserStillWork() {
        Browser phone = new Browser();
        String phoneToken = phone.login(node1, "alice");
        Browser laptop = new Browser();
        laptop.login(node2, "alice");

        assertThat(phone.post(node3, "/logout", null).status()).isEqualTo(204);

        assertThat(new Browser().token(phoneToken).get(node1, "/me").status()).isEqualTo(401);
        assertThat(laptop.get(node1, "/me").status()).isEqualTo(200);
    }

    // ---- everything else

    @Test
    void anUnknownRouteIs404Problem() {
        Browser alice = new Browser();
        alice.login(node1, "alice");

        for (String[] route : new String[][] {{"GET", "/nowhere"}, {"DELETE", "/cart"}, {"GET", "/login"},
                {"PUT", "/orders"}, {"GET", "/orders/ord-000001"}, {"GET", "/caf%C3%A9/%22quoted%22"}}) {
            Reply reply = alice.send(node2, route[0], route[1], null);

            assertProblem(reply, 404);
        }
    }

    @Test
    void noAnswerLeaksInternals() {
        // Browser checks every answer for stack traces; these are the requests most likely to provoke one.
        Browser alice = new Browser();
        alice.login(node1, "alice");
        List<Reply> replies = new ArrayList<>();
        replies.add(alice.send(node1, "POST", "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":1e400}"));
        replies.add(alice.send(node1, "POST", "/cart/items", "{\"sku\":\"sku-1\",\"quantity\":\"two\"}"));
        replies.add(alice.send(node1, "POST", "/cart/items", "{\"sku\":{\"a\":1},\"quantity\":1}"));
        replies.add(alice.send(node2, "POST", "/cart/items", "\u0000\u00ff\ufffd"));
        replies.add(alice.send(node2, "POST", "/login", "{\"username\":null,\"password\":[1]}"));
        replies.add(new Browser().session("not-a-session-id").token(alice.token()).get(node3, "/cart"));
        replies.add(new Browser().session("x".repeat(4000)).token(alice.token()).get(node3, "/cart"));

        assertThat(replies).allSatisfy(reply -> {
            assertThat(reply.status()).isLessThan(500);
            if (reply.status() >= 400) {
                assertThat(reply.contentType()).startsWith("application/problem+json");
            }
        });
    }

    // ---- helpers

    private static void assertProblem(Reply reply, int status) {
        assertThat(reply.status()).as("%s", reply).isEqualTo(status);
        assertThat(reply.contentType()).as("%s", reply).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("title").asText()).isNotBlank();
        assertThat(problem.path("detail").asText()).isNotBlank();
    }

    /** Waits until a node holds an idempotency key in Redis, i.e. the first order is running. */
    private static void awaitHeldIdempotencyKey() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (redis.commandList("KEYS", "stateless:i:*").isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no node took the idempotency key within 5 s");
            }
            Thread.sleep(5);
        }
    }

    private static String key() {
        return UUID.randomUUID().toString();
    }

    private static JsonNode json(String text) {
        try {
            return Browser.JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
