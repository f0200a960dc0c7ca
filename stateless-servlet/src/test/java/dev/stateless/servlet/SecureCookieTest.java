package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.servlet.Browser.SetCookie;
import dev.stateless.servlet.CookieSessionIdResolver.Secure;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The session cookie's {@code Secure} attribute behind a TLS-terminating proxy, on embedded Jetty 12
 * and Tomcat 11 over real (plain) HTTP with a real Redis, the filter declared by init parameters as
 * in {@code web.xml}: the container sees plain HTTP, as it does behind such a proxy; the proxy's
 * {@code X-Forwarded-Proto} / {@code Forwarded} headers count only with {@code cookie-secure} set to
 * {@code forwarded-proto}.
 */
@WithRedis
class SecureCookieTest {

    private static RedisServer redis;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void byDefaultTheProxysHeadersAreNotTrustedAndPlainHttpGetsNoSecure(String container) throws Exception {
        try (ContainerNode node = start(container, null)) {
            assertThat(sessionCookie(node, Map.of()).attribute("Secure")).isEmpty();
            assertThat(sessionCookie(node, Map.of("X-Forwarded-Proto", "https")).attribute("Secure")).isEmpty();
            assertThat(sessionCookie(node, Map.of("Forwarded", "proto=https")).attribute("Secure")).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void withForwardedProtoTheCookieIsSecureWhenTheProxySaysTheClientUsedHttps(String container) throws Exception {
        try (ContainerNode node = start(container, "forwarded-proto")) {
            assertThat(sessionCookie(node, Map.of("X-Forwarded-Proto", "https")).attribute("Secure")).isPresent();
            assertThat(sessionCookie(node, Map.of("X-Forwarded-Proto", "HTTPS, http")).attribute("Secure"))
                    .as("the first value is the proxy nearest the client").isPresent();
            assertThat(sessionCookie(node, Map.of("Forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43"))
                    .attribute("Secure")).isPresent();
            assertThat(sessionCookie(node, Map.of("Forwarded", "for=\"[2001:db8::1]\";proto=\"https\""))
                    .attribute("Secure")).isPresent();

            assertThat(sessionCookie(node, Map.of("X-Forwarded-Proto", "http")).attribute("Secure")).isEmpty();
            assertThat(sessionCookie(node, Map.of("Forwarded", "for=192.0.2.60;proto=http, for=10.0.0.1;proto=https"))
                    .attribute("Secure")).as("only the first hop counts").isEmpty();
            assertThat(sessionCookie(node, Map.of()).attribute("Secure")).as("no proxy header").isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void alwaysMarksTheCookieSecureEvenOverPlainHttpAndNeverDoesNot(String container) throws Exception {
        try (ContainerNode always = start(container, "always"); ContainerNode never = start(container, "never")) {
            assertThat(sessionCookie(always, Map.of()).attribute("Secure")).isPresent();
            assertThat(sessionCookie(never, Map.of("X-Forwarded-Proto", "https")).attribute("Secure")).isEmpty();
        }
    }

    @Test
    void theInitParameterValuesAndTheirOldSpellingsAreParsedAndOthersRefusedNamingTheChoices() {
        assertThat(Secure.parse("always")).isEqualTo(Secure.ALWAYS);
        assertThat(Secure.parse("TRUE")).isEqualTo(Secure.ALWAYS);
        assertThat(Secure.parse(" never ")).isEqualTo(Secure.NEVER);
        assertThat(Secure.parse("false")).isEqualTo(Secure.NEVER);
        assertThat(Secure.parse("request")).isEqualTo(Secure.FROM_REQUEST);
        assertThat(Secure.parse("Forwarded-Proto")).isEqualTo(Secure.FROM_FORWARDED_PROTO);
        assertThatThrownBy(() -> Secure.parse("yes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("always, never, request or forwarded-proto").hasMessageContaining("'yes'");
    }

    @Test
    void prefixedCookieNamesStillNeedAlwaysSecure() {
        assertThatThrownBy(() -> CookieSessionIdResolver.builder().name("__Host-SID")
                .secure(Secure.FROM_FORWARDED_PROTO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("__Host-");
        assertThat(CookieSessionIdResolver.builder().name("__Host-SID").secure(Secure.ALWAYS).build()).isNotNull();
    }

    // ---- helpers

    private static ContainerNode start(String container, String cookieSecure) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("store-uri", redis.uri());
        if (cookieSecure != null) {
            params.put("cookie-secure", cookieSecure);
        }
        AbstractSessionContainerTest nodes = container.equals("jetty") ? new JettySessionTest() : new TomcatSessionTest();
        return nodes.startNode(new StatelessSessionFilter(), params);
    }

    /** The session cookie of a new session, made by a request with these headers. */
    private static SetCookie sessionCookie(ContainerNode node, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.base().resolve("/counter"))
                .timeout(Duration.ofSeconds(10));
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            Optional<SetCookie> cookie = response.headers().allValues("Set-Cookie").stream()
                    .map(SetCookie::parse).filter(c -> c.name().equals("SESSION")).findFirst();
            assertThat(cookie).as("a session cookie").isPresent();
            return cookie.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
