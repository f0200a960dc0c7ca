package dev.stateless.examples.boot;

import static dev.stateless.examples.boot.TwoInstancesTest.awaitStatus;
import static dev.stateless.examples.boot.TwoInstancesTest.bearer;
import static dev.stateless.examples.boot.TwoInstancesTest.csrf;
import static dev.stateless.examples.boot.TwoInstancesTest.logIn;
import static dev.stateless.examples.boot.TwoInstancesTest.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.search.Search;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The shop with Actuator: the starter's meters land in Boot's {@code SimpleMeterRegistry} under
 * the documented names after requests through the filters, and {@code /actuator/health} goes DOWN
 * when the redis-server stops and UP when it is back on the same port.
 */
class ObservabilityTest {

    @RegisterExtension
    static final RedisExtension redisFixture = new RedisExtension();
    private static ConfigurableApplicationContext shop;

    @BeforeAll
    static void start() {
        shop = new SpringApplicationBuilder(BootShopApplication.class)
                .run("--server.port=0", "--server.address=127.0.0.1", "--shop.instance=one",
                        "--stateless.redis.uri=" + redisFixture.uri());
    }

    @AfterAll
    static void stop() {
        if (shop != null) {
            shop.close();
        }
    }

    @BeforeEach
    void redisRuns() {
        redisFixture.server().reset();
    }

    private static double count(String name, String outcome) {
        Search search = shop.getBean(MeterRegistry.class).find(name).tag("outcome", outcome);
        return search.timer() != null ? search.timer().count() : search.counter() != null ? search.counter().count() : 0;
    }

    @Test
    void sessionsOrdersAndTokensAreMeasuredUnderTheDocumentedNames() {
        MeterRegistry registry = shop.getBean(MeterRegistry.class);
        assertThat(registry).as("Boot's registry without an exporter").isInstanceOf(SimpleMeterRegistry.class);
        double hits = count("stateless.session.load", "hit");
        double saved = count("stateless.session.save", "saved");
        double firstRuns = count("stateless.idempotency.requests", "first_run");
        double replays = count("stateless.idempotency.requests", "replay");
        double acquired = count("stateless.idempotency.acquire", "acquired");
        double accepted = count("stateless.token.verify", "accepted");
        double malformed = count("stateless.token.verify", "malformed");

        Browser alice = new Browser();
        logIn(alice, shop, "alice", "alice-pw");
        assertThat(alice.postForm(url(shop, "/cart/items"), Map.of("sku", "sku-1"), "X-CSRF-TOKEN", csrf(alice, shop))
                .statusCode()).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> order = alice.postForm(url(shop, "/orders"), Map.of(), "X-CSRF-TOKEN",
                    csrf(alice, shop), "Idempotency-Key", "\"metrics-1\"");
            assertThat(order.statusCode()).isEqualTo(201);
        }
        String token = bearer(alice, shop);
        Browser script = new Browser();
        assertThat(script.get(url(shop, "/api/me"), "Authorization", token).statusCode()).isEqualTo(200);
        assertThat(script.get(url(shop, "/api/me"), "Authorization", "Bearer not.a.token").statusCode()).isEqualTo(401);

        assertThat(count("stateless.session.load", "hit")).isGreaterThan(hits);
        assertThat(count("stateless.session.save", "saved")).isGreaterThan(saved);
        assertThat(count("stateless.idempotency.requests", "first_run") - firstRuns).isEqualTo(1);
        assertThat(count("stateless.idempotency.requests", "replay") - replays).isEqualTo(1);
        assertThat(count("stateless.idempotency.acquire", "acquired") - acquired).isEqualTo(1);
        assertThat(count("stateless.token.verify", "accepted") - accepted).isEqualTo(1);
        assertThat(count("stateless.token.verify", "malformed") - malformed).isEqualTo(1);
        assertThat(registry.find("lettuce.command.completion").tag("command", "EVALSHA").timers())
                .as("Lettuce's latencies through the shared connection").isNotEmpty();

        // and through Actuator, for a logged-in user
        HttpResponse<String> meter = alice.get(url(shop, "/actuator/metrics/stateless.idempotency.requests"));
        assertThat(meter.statusCode()).isEqualTo(200);
        assertThat(meter.body()).contains("\"name\":\"stateless.idempotency.requests\"", "first_run", "replay");
    }

    @Test
    void healthIsDownWhileRedisIsStoppedAndUpWhenItIsBack() {
        Browser probe = new Browser();
        HttpResponse<String> up = probe.get(url(shop, "/actuator/health"));
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).contains("\"stateless\":{\"status\":\"UP\"}").doesNotContain("endpoint");

        Browser alice = new Browser();
        logIn(alice, shop, "alice", "alice-pw");
        HttpResponse<String> details = alice.get(url(shop, "/actuator/health/stateless"));
        assertThat(details.statusCode()).isEqualTo(200);
        assertThat(details.body()).contains("\"redis\":{\"status\":\"UP\"", "\"endpoint\":\"redis://127.0.0.1:");

        RedisServer redis = redisFixture.server();
        redis.stop();
        HttpResponse<String> down = probe.get(url(shop, "/actuator/health"));
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"status\":\"DOWN\"", "\"stateless\":{\"status\":\"DOWN\"}");

        redis.restart();
        awaitStatus(probe, url(shop, "/actuator/health"), 200);
        assertThat(probe.get(url(shop, "/actuator/health")).body()).contains("\"stateless\":{\"status\":\"UP\"}");
    }
}
