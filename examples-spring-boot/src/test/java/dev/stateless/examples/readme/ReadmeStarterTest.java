package dev.stateless.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.testing.RedisExtension;
import dev.stateless.testing.RedisServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The root README's "Spring Boot: the starter and three properties", run as written: the three
 * properties are read from the README (only Redis's address and the JWKS endpoint's point at this
 * test's), and two instances of a plain Spring MVC app share sessions, run an idempotent POST once
 * and take bearer tokens.
 */
class ReadmeStarterTest {

    private static final Pattern PROPERTIES = Pattern.compile(
            "## Spring Boot: the starter and three properties.*?```properties\\n(.*?)```", Pattern.DOTALL);

    @RegisterExtension
    static final RedisExtension redisFixture = new RedisExtension();
    private static RedisServer redis;
    private static HttpServer jwks;
    private static JwtIssuer issuer;
    private static ConfigurableApplicationContext one;
    private static ConfigurableApplicationContext two;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        redis = redisFixture.server();
        RSAKey key = JwtKeys.generateRsa("readme-1");
        issuer = JwtIssuer.builder().rsaKey(key).issuer("https://login.example.com").build();
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/.well-known/jwks.json", exchange -> {
            byte[] body = issuer.publicJwkSet().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jwks.start();
        List<String> args = readmeProperties();
        one = new SpringApplicationBuilder(ApiOnlyApplication.class).run(args.toArray(String[]::new));
        two = new SpringApplicationBuilder(ApiOnlyApplication.class).run(args.toArray(String[]::new));
    }

    /** The README's properties as command-line arguments, pointed at this test's Redis and JWKS. */
    private static List<String> readmeProperties() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher block = PROPERTIES.matcher(readme);
        assertThat(block.find()).as("the README's properties block").isTrue();
        List<String> lines = block.group(1).lines().filter(line -> !line.isBlank()).toList();
        assertThat(lines).hasSize(3);
        // spring.config.name: not the example shop's application.properties, which is on this class path too
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                "--spring.config.name=readme-starter-test"));
        for (String line : lines) {
            args.add("--" + line.replace("redis://localhost:6379", redis.uri())
                    .replace("https://login.example.com", "http://127.0.0.1:" + jwks.getAddress().getPort()));
        }
        return args;
    }

    @AfterAll
    static void stop() {
        for (ConfigurableApplicationContext instance : new ConfigurableApplicationContext[] {one, two}) {
            if (instance != null) {
                instance.close();
            }
        }
        if (jwks != null) {
            jwks.stop(0);
        }
    }

    private HttpResponse<String> send(ConfigurableApplicationContext instance, String method, String path, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + instance.getEnvironment().getProperty("local.server.port") + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoInstancesShareTheSessionRunAnOrderOnceAndTakeBearerTokens() throws Exception {
        String token = "Bearer " + issuer.issue("ada");

        assertThat(send(one, "GET", "/me").statusCode()).as("no token").isEqualTo(401);
        HttpResponse<String> me = send(two, "GET", "/me", "Authorization", token);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.body()).contains("\"user\":\"ada\"");

        HttpResponse<String> first = send(one, "POST", "/visits", "Authorization", token);
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<String> second = send(two, "POST", "/visits", "Authorization", token, "Cookie", cookie);
        assertThat(second.body()).contains("\"visits\":2");

        int before = ApiOnlyApplication.PLACED.get();
        HttpResponse<String> order = send(one, "POST", "/orders/book", "Authorization", token,
                "Idempotency-Key", "\"readme-1\"");
        HttpResponse<String> retried = send(two, "POST", "/orders/book", "Authorization", token,
                "Idempotency-Key", "\"readme-1\"");
        assertThat(order.statusCode()).isEqualTo(201);
        assertThat(retried.statusCode()).isEqualTo(201);
        assertThat(retried.body()).isEqualTo(order.body());
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(ApiOnlyApplication.PLACED.get() - before).isEqualTo(1);
    }
}
