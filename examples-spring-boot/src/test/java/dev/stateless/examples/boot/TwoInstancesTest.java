package dev.stateless.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the Spring Boot shop on one real Redis, Spring Security (form login, CSRF) in
 * front of the application and behind the starter's filters: a user logs in on one and is logged in
 * on the other, an order retried on the other instance runs once, bearer tokens work on both, and
 * the session's owner check and id rotation hold.
 */
class TwoInstancesTest {

    private static final Pattern CSRF_INPUT = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");
    private static final Pattern CSRF_JSON = Pattern.compile("\"token\":\"([^\"]+)\"");
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\":\"([^\"]+)\"");

    @RegisterExtension
    static final RedisExtension redisFixture = new RedisExtension();
    private static RedisServer redis;
    private static ConfigurableApplicationContext one;
    private static ConfigurableApplicationContext two;

    @BeforeAll
    static void start() {
        redis = redisFixture.server();
        one = instance("one");
        two = instance("two");
    }

    @AfterAll
    static void stop() {
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
    }

    private static ConfigurableApplicationContext instance(String name) {
        // command-line arguments: they win over application.properties, as on a real deployment
        return new SpringApplicationBuilder(BootShopApplication.class)
                .run("--server.port=0", "--server.address=127.0.0.1", "--shop.instance=" + name,
                        "--stateless.redis.uri=" + redis.uri());
    }

    private static String url(ConfigurableApplicationContext instance, String path) {
        return "http://127.0.0.1:" + instance.getEnvironment().getProperty("local.server.port") + path;
    }

    /** Logs in through Spring Security's own login page on {@code instance}; returns the session id before login. */
    private static String logIn(Browser browser, ConfigurableApplicationContext instance, String user, String password) {
        HttpResponse<String> page = browser.get(url(instance, "/login"));
        assertThat(page.statusCode()).isEqualTo(200);
        Matcher csrf = CSRF_INPUT.matcher(page.body());
        assertThat(csrf.find()).as("the login page carries a CSRF token").isTrue();
        String before = browser.cookies.get("SESSION");
        HttpResponse<String> login = browser.postForm(url(instance, "/login"),
                Map.of("username", user, "password", password, "_csrf", csrf.group(1)));
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location").orElseThrow()).doesNotContain("error");
        return before;
    }

    /** Waits, a bounded time, until {@code url} answers {@code status}; fails with the last answer if it never does. */
    private static void awaitStatus(Browser browser, String url, int status) {
        int last = -1;
        for (int i = 0; i < 100 && last != status; i++) {
            last = browser.get(url).statusCode();
            if (last != status) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        assertThat(last).as(url).isEqualTo(status);
    }

    private static String csrf(Browser browser, ConfigurableApplicationContext instance) {
        HttpResponse<String> answer = browser.get(url(instance, "/csrf"));
        assertThat(answer.statusCode()).isEqualTo(200);
        Matcher token = CSRF_JSON.matcher(answer.body());
        assertThat(token.find()).isTrue();
        return token.group(1);
    }

    private static String bearer(Browser browser, ConfigurableApplicationContext instance) {
        HttpResponse<String> answer = browser.get(url(instance, "/token"));
        assertThat(answer.statusCode()).isEqualTo(200);
        Matcher token = ACCESS_TOKEN.matcher(answer.body());
        assertThat(token.find()).isTrue();
        return "Bearer " + token.group(1);
    }

    @Test
    void aUserLogsInOnOneInstanceShopsOnTheOtherAndAnOrderRetriedOnBothRunsOnce() {
        Browser alice = new Browser();
        assertThat(alice.get(url(one, "/cart")).statusCode()).as("not logged in yet").isEqualTo(302);

        String beforeLogin = logIn(alice, one, "alice", "alice-pw");

        // Spring Security's SecurityContext came back from Redis on the other instance
        HttpResponse<String> cart = alice.get(url(two, "/cart"));
        assertThat(cart.statusCode()).isEqualTo(200);
        assertThat(cart.body()).contains("\"user\":\"alice\"", "\"instance\":\"two\"");
        assertThat(alice.cookies.get("SESSION")).as("the id changed at login").isNotEqualTo(beforeLogin);
        assertThat(alice.cookies).doesNotContainKey("JSESSIONID");

        // a write on two, with the CSRF token that lives in the shared session too, read on one
        String token = csrf(alice, two);
        assertThat(alice.postForm(url(two, "/cart/items"), Map.of("sku", "sku-1"), "X-CSRF-TOKEN", token).statusCode())
                .isEqualTo(200);
        assertThat(alice.get(url(one, "/cart")).body()).contains("\"items\":[\"sku-1\"]", "\"instance\":\"one\"");

        // an order sent to one, and retried on two: placed once, the same answer twice
        int placedBefore = ShopController.PLACED.size();
        HttpResponse<String> first = alice.postForm(url(one, "/orders"), Map.of(), "X-CSRF-TOKEN", csrf(alice, one),
                "Idempotency-Key", "\"order-1\"");
        HttpResponse<String> retry = alice.postForm(url(two, "/orders"), Map.of(), "X-CSRF-TOKEN", csrf(alice, two),
                "Idempotency-Key", "\"order-1\"");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).contains("\"items\":[\"sku-1\"]", "\"instance\":\"one\"");
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(ShopController.PLACED.size() - placedBefore).isEqualTo(1);
        assertThat(alice.get(url(two, "/cart")).body()).as("the order emptied the cart").contains("\"items\":[]");

        // logout on two ends the session everywhere
        assertThat(alice.postForm(url(two, "/logout"), Map.of("_csrf", csrf(alice, two))).statusCode()).isEqualTo(302);
        assertThat(alice.get(url(one, "/cart")).statusCode()).isEqualTo(302);
    }

    @Test
    void bearerTokensWorkOnBothInstancesAndSpringSecuritySeesTheirUser() {
        Browser alice = new Browser();
        logIn(alice, one, "alice", "alice-pw");
        String token = bearer(alice, one);
        Browser script = new Browser(); // no cookies: the token alone

        HttpResponse<String> me = script.get(url(two, "/api/me"), "Authorization", token);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.body()).contains("\"user\":\"alice\"", "\"shopper\":true", "\"instance\":\"two\"");
        assertThat(script.get(url(one, "/api/me")).statusCode()).as("no token").isEqualTo(401);
        assertThat(script.get(url(one, "/api/me"), "Authorization", "Bearer not.a.token").statusCode()).isEqualTo(401);

        int placedBefore = ShopController.PLACED.size();
        HttpResponse<String> first = script.postForm(url(two, "/api/orders"), Map.of(), "Authorization", token,
                "Idempotency-Key", "\"api-1\"");
        HttpResponse<String> retry = script.postForm(url(one, "/api/orders"), Map.of(), "Authorization", token,
                "Idempotency-Key", "\"api-1\"");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(ShopController.PLACED.size() - placedBefore).isEqualTo(1);
    }

    @Test
    void anotherUsersTokenNeverGetsAlicesSessionAndTheIdBeforeLoginIsDead() {
        Browser alice = new Browser();
        String beforeLogin = logIn(alice, one, "alice", "alice-pw");
        alice.postForm(url(one, "/cart/items"), Map.of("sku", "sku-9"), "X-CSRF-TOKEN", csrf(alice, one));
        String alicesSession = alice.cookies.get("SESSION");

        Browser bob = new Browser();
        logIn(bob, two, "bob", "bob-pw");
        String bobsToken = bearer(bob, two);

        // bob's token with alice's cookie: the session recorded for alice does not exist for bob
        Browser stolen = new Browser();
        stolen.cookies.put("SESSION", alicesSession);
        HttpResponse<String> cart = stolen.get(url(two, "/api/cart"), "Authorization", bobsToken);
        assertThat(cart.statusCode()).isEqualTo(200);
        assertThat(cart.body()).contains("\"user\":\"bob\"", "\"items\":[]");
        assertThat(alice.get(url(one, "/cart")).body()).as("alice's session is untouched")
                .contains("\"user\":\"alice\"", "\"items\":[\"sku-9\"]");

        // the id alice had before logging in (one a attacker could have planted) logs nobody in
        Browser planted = new Browser();
        planted.cookies.put("SESSION", beforeLogin);
        assertThat(planted.get(url(two, "/cart")).statusCode()).isEqualTo(302);
    }

    /**
     * The idempotency filter runs before Spring Security (so that the session is saved before the
     * answer is recorded): what Spring Security answers on an idempotent path is that key's answer.
     */
    @Test
    void aRefusalBySpringSecurityOnAnIdempotentPathIsTheAnswerOfItsKey() {
        Browser alice = new Browser();
        logIn(alice, one, "alice", "alice-pw");
        int placedBefore = ShopController.PLACED.size();

        HttpResponse<String> noCsrf = alice.postForm(url(one, "/orders"), Map.of(), "Idempotency-Key", "\"k-no-csrf\"");
        HttpResponse<String> sameKey = alice.postForm(url(two, "/orders"), Map.of(), "X-CSRF-TOKEN", csrf(alice, two),
                "Idempotency-Key", "\"k-no-csrf\"");
        HttpResponse<String> newKey = alice.postForm(url(two, "/orders"), Map.of(), "X-CSRF-TOKEN", csrf(alice, two),
                "Idempotency-Key", "\"k-with-csrf\"");

        assertThat(noCsrf.statusCode()).isEqualTo(403);
        assertThat(sameKey.statusCode()).isEqualTo(403);
        assertThat(sameKey.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(newKey.statusCode()).isEqualTo(201);
        assertThat(ShopController.PLACED.size() - placedBefore).isEqualTo(1);
    }

    @Test
    void aSessionValueTheCodecRefusesFailsTheRequestLoudlyAndIsNotStored() throws Exception {
        Browser alice = new Browser();
        logIn(alice, one, "alice", "alice-pw");

        HttpResponse<String> refused = alice.postForm(url(one, "/refused"), Map.of(), "X-CSRF-TOKEN", csrf(alice, one));

        assertThat(refused.statusCode()).isEqualTo(500);
        assertThat(refused.body()).doesNotContain("Dice"); // no internals to the client
        HttpResponse<String> after = alice.get(url(two, "/cart"));
        assertThat(after.statusCode()).as("still logged in, on the other instance").isEqualTo(200);
        assertThat(alice.cookies).doesNotContainKey("JSESSIONID");
        List<String> fields = redis.commandList("HKEYS", sessionKey(alice.cookies.get("SESSION")));
        // the refused value is not stored; what the request set before it is, as in a container's own session
        assertThat(fields).contains(".SPRING_SECURITY_CONTEXT", ".note").doesNotContain(".dice");
    }

    private static String sessionKey(String id) throws java.security.NoSuchAlgorithmException {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return "stateless:s:{" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest) + "}";
    }

    @Test
    void whileRedisIsAwayBothInstancesAnswer503AndServeAgainWhenItIsBack() {
        Browser alice = new Browser();
        logIn(alice, one, "alice", "alice-pw");

        redis.stop();
        try {
            for (ConfigurableApplicationContext instance : List.of(one, two)) {
                HttpResponse<String> away = alice.get(url(instance, "/cart"));
                assertThat(away.statusCode()).isEqualTo(503);
                assertThat(away.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/problem+json"));
                assertThat(away.headers().firstValue("Retry-After")).isPresent();
            }
        } finally {
            redis.restart(); // empty: nothing is persisted
        }

        // no restart of either instance: each reconnects by itself (within a few reconnect pauses)
        for (ConfigurableApplicationContext instance : List.of(one, two)) {
            awaitStatus(alice, url(instance, "/login"), 200);
        }
        Browser again = new Browser();
        logIn(again, two, "alice", "alice-pw");
        assertThat(again.get(url(one, "/cart")).statusCode()).isEqualTo(200);
    }

    @Test
    void springSecuritysContextIsInRedisNotInEitherInstance() {
        redis.flushAll();
        Browser alice = new Browser();
        logIn(alice, two, "alice", "alice-pw");

        // the session, and the forward its id left at login (for requests still in flight with the old id)
        List<String> keys = redis.commandList("KEYS", "stateless:s:*");
        List<String> owned = keys.stream().filter(key -> "alice".equals(redis.command("HGET", key, "#p"))).toList();
        assertThat(owned).hasSize(1);
        assertThat(redis.commandList("HKEYS", owned.get(0))).contains(".SPRING_SECURITY_CONTEXT");
        assertThat(keys).hasSizeLessThanOrEqualTo(2);
    }
}
