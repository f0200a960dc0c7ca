package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two filters declared by class name with init parameters on embedded Tomcat 11, which makes
 * them itself (as from {@code web.xml}); over real HTTP with a real Redis.
 */
@WithRedis
class TomcatFilterDeclarationTest {

    private static final String ISSUER = "https://issuer.test";
    private static final byte[] SECRET = JwtKeys.generateHmacSecret();
    private static final JwtIssuer issuer = JwtIssuer.builder().hmacSecret(SECRET).issuer(ISSUER).build();
    private static final FilterDeclarationTest.AppServlet app = new FilterDeclarationTest.AppServlet();

    private static RedisServer redis;
    private static EmbeddedTomcat tomcat;
    private static URI base;

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        // As {@code <filter>}s in {@code web.xml}: class names, init parameters, async supported; Tomcat
        // makes the instances.
        tomcat = EmbeddedTomcat.start("stateless-tomcat-", (server, baseDir) -> {
            Path secretFile = Files.createFile(baseDir.resolve("hmac.b64"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(secretFile, Base64.getUrlEncoder().withoutPadding().encodeToString(SECRET));
            Context context = EmbeddedTomcat.rootContext(server, baseDir);
            Wrapper servlet = Tomcat.addServlet(context, "app", app);
            servlet.setAsyncSupported(true);
            context.addServletMappingDecoded("/*", "app");
            EmbeddedTomcat.addFilter(context, "auth", BearerTokenFilter.class, null, Map.of(
                    "hmac-secret-file", secretFile.toString(),
                    "issuers", ISSUER,
                    "realm", "shop"), true);
            EmbeddedTomcat.addFilter(context, "idempotency", IdempotencyFilter.class, null, Map.of(
                    "store-uri", redis.uri(),
                    "methods", "POST PUT",
                    "header-name", "X-Request-Key"), true);
            return context;
        });
        base = tomcat.base();
    }

    @AfterAll
    static void stop() {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    @Test
    void bearerFilterMadeByTomcatAcceptsTheIssuersTokenAndRefusesAForgedOne() {
        JwtIssuer forger = JwtIssuer.builder().hmacSecret(JwtKeys.generateHmacSecret()).issuer(ISSUER).build();

        HttpResponse<String> accepted = FilterDeclarationTest.send(
                FilterDeclarationTest.request(base, "/whoami", issuer.issue("alice")).GET().build());
        HttpResponse<String> refused = FilterDeclarationTest.send(
                FilterDeclarationTest.request(base, "/whoami", forger.issue("alice")).GET().build());

        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(accepted.body()).isEqualTo("principal=alice");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer realm=\"shop\"").contains("invalid_token"));
    }

    @Test
    void idempotencyFilterMadeByTomcatReplaysFromRedisWithItsConfiguredHeaderAndMethods() {
        String token = issuer.issue("bob");
        String key = UUID.randomUUID().toString();
        String body = "{\"item\":\"" + UUID.randomUUID() + "\"}";

        HttpResponse<String> first = put(token, key, body);
        HttpResponse<String> repeat = put(token, key, body);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(repeat.statusCode()).isEqualTo(201);
        assertThat(repeat.body()).isEqualTo(first.body());
        assertThat(repeat.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(app.runs(body)).isEqualTo(1);
        assertThat(redis.commandList("KEYS", "stateless:i:*")).hasSize(1);
    }

    private static HttpResponse<String> put(String token, String key, String body) {
        return FilterDeclarationTest.send(FilterDeclarationTest.request(base, "/orders", token)
                .header("X-Request-Key", key)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }
}
