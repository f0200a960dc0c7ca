package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
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
    private static Path baseDir;
    private static Tomcat tomcat;
    private static URI base;

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        baseDir = Files.createTempDirectory("stateless-tomcat-");
        Path secretFile = Files.createFile(baseDir.resolve("hmac.b64"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secretFile, Base64.getUrlEncoder().withoutPadding().encodeToString(SECRET));

        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        Connector connector = tomcat.getConnector();
        connector.setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", Files.createDirectories(baseDir.resolve("docroot")).toString());
        Wrapper servlet = Tomcat.addServlet(context, "app", app);
        servlet.setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "app");
        declare(context, "auth", BearerTokenFilter.class.getName(), Map.of(
                "hmac-secret-file", secretFile.toString(),
                "issuers", ISSUER,
                "realm", "shop"));
        declare(context, "idempotency", IdempotencyFilter.class.getName(), Map.of(
                "store-uri", redis.uri(),
                "methods", "POST PUT",
                "header-name", "X-Request-Key"));
        tomcat.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
    }

    /** As a {@code <filter>} in {@code web.xml}: a class name, init parameters, async supported; Tomcat makes the instance. */
    private static void declare(Context context, String name, String className, Map<String, String> params) {
        FilterDef filter = new FilterDef();
        filter.setFilterName(name);
        filter.setFilterClass(className);
        filter.setAsyncSupported("true");
        params.forEach(filter::addInitParameter);
        context.addFilterDef(filter);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName(name);
        mapping.addURLPattern("/*");
        context.addFilterMap(mapping);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
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
