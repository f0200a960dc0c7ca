package dev.stateless.examples.fixation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Session fixation with Spring Security in front but its own protection off
 * ({@code sessionFixation().none()}): the session filter changes the id when the stored anonymous
 * session first sees a user, so an id planted before the login never becomes a logged-in session.
 */
class SessionFixationTest {

    private static final Pattern SESSION = Pattern.compile("SESSION=([^;]+)");
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    @RegisterExtension
    static final RedisExtension redisFixture = new RedisExtension();
    private static RedisServer redis;
    private static ConfigurableApplicationContext app;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        redis = redisFixture.server();
        app = new SpringApplicationBuilder(NoFixationProtectionApplication.class).run("--server.port=0",
                "--server.address=127.0.0.1", "--spring.config.name=session-fixation-test",
                "--stateless.redis.uri=" + redis.uri());
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String url(String path) {
        return "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + path;
    }

    @Test
    void anIdPlantedBeforeTheLoginIsNotTheLoggedInSession() throws Exception {
        // the attacker's visit: an anonymous session (the login page's CSRF token lives in it)
        HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(url("/login"))));
        Matcher planted = SESSION.matcher(page.headers().firstValue("Set-Cookie").orElseThrow());
        assertThat(planted.find()).isTrue();
        Matcher csrf = CSRF.matcher(page.body());
        assertThat(csrf.find()).isTrue();

        // the victim logs in with the planted id
        String form = "username=alice&password=alice-pw&_csrf=" + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
        HttpResponse<String> login = send(HttpRequest.newBuilder(URI.create(url("/login")))
                .header("Cookie", "SESSION=" + planted.group(1))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location").orElseThrow()).doesNotContain("error");
        Matcher issued = SESSION.matcher(String.join(";", login.headers().allValues("Set-Cookie")));
        assertThat(issued.find()).as("a new id at login").isTrue();
        assertThat(issued.group(1)).isNotEqualTo(planted.group(1));

        HttpResponse<String> victim = send(HttpRequest.newBuilder(URI.create(url("/me"))).header("Cookie", "SESSION=" + issued.group(1)));
        assertThat(victim.statusCode()).isEqualTo(200);
        assertThat(victim.body()).contains("\"user\":\"alice\"");
        HttpResponse<String> attacker = send(HttpRequest.newBuilder(URI.create(url("/me"))).header("Cookie", "SESSION=" + planted.group(1)));
        assertThat(attacker.statusCode()).as("the planted id is not logged in").isEqualTo(302);
    }
}
