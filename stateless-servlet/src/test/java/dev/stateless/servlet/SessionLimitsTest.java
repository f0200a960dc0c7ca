package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.redis.RedisSessionStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Limits as a client of {@link StatelessSessionFilter} sees them, on embedded Jetty 12 over real HTTP
 * with a real Redis: a request that sets 10,000 attributes, and a user who logs in on more devices
 * than the store's {@code maxSessionsPerPrincipal} allows. The user is named by an {@code X-User}
 * header (the filter's principal resolver), so no login machinery stands between test and filter.
 */
@WithRedis
class SessionLimitsTest {

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static RedisServer redis;
    private static RedisSessionStore store;
    private static EmbeddedJetty server;
    private static URI base;

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        store = RedisSessionStore.builder(redis.uri()).maxSessionsPerPrincipal(2).build();
        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
        context.addFilter(new FilterHolder(StatelessSessionFilter.builder(store)
                .principalResolver(request -> Optional.ofNullable(request.getHeader("X-User")))
                .build()), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new App()), "/*");
        server = EmbeddedJetty.start(context);
        base = server.base();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    @Test
    void aRequestThatSetsTenThousandAttributesIsSavedAndTheNextRequestSeesThemAll() {
        HttpResponse<String> fill = send("POST", "/fill?n=10000", null, null);
        assertThat(fill.statusCode()).isEqualTo(200);
        String cookie = sessionCookie(fill);

        HttpResponse<String> count = send("GET", "/count", cookie, null);

        assertThat(count.statusCode()).isEqualTo(200);
        assertThat(count.body()).isEqualTo("10000");
        assertThat(redis.commandLong("HLEN", redis.commandList("KEYS", "stateless:s:*").get(0)))
                .isEqualTo(10_000 + 4); // the attributes and #c #a #i #x
    }

    @Test
    void aThirdLoginOfOneUserEndsTheSessionOfTheDeviceSheUsedLeast() {
        String phone = sessionCookie(send("POST", "/fill?n=1", null, "alice"));
        String laptop = sessionCookie(send("POST", "/fill?n=1", null, "alice"));
        assertThat(send("GET", "/count", phone, "alice").body()).isEqualTo("1"); // the phone is used again
        String bobs = sessionCookie(send("POST", "/fill?n=1", null, "bob"));

        String tablet = sessionCookie(send("POST", "/fill?n=1", null, "alice"));

        assertThat(send("GET", "/count", laptop, "alice").body()).as("laptop: logged out").isEqualTo("none");
        assertThat(send("GET", "/count", phone, "alice").body()).isEqualTo("1");
        assertThat(send("GET", "/count", tablet, "alice").body()).isEqualTo("1");
        assertThat(send("GET", "/count", bobs, "bob").body()).isEqualTo("1");
    }

    // ---- helpers

    /** {@code POST /fill?n=N} sets N attributes; {@code GET /count} answers how many there are, or "none". */
    static final class App extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            HttpSession session = req.getSession();
            int n = Integer.parseInt(req.getParameter("n"));
            for (int i = 0; i < n; i++) {
                session.setAttribute("attribute-" + i, i);
            }
            resp.getWriter().print("ok");
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            HttpSession session = req.getSession(false);
            resp.getWriter().print(session == null ? "none"
                    : Integer.toString(Collections.list(session.getAttributeNames()).size()));
        }
    }

    private static HttpResponse<String> send(String method, String path, String cookie, String user) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (cookie != null) {
            request.header("Cookie", "SESSION=" + cookie);
        }
        if (user != null) {
            request.header("X-User", user);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String sessionCookie(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        return response.headers().allValues("Set-Cookie").stream().map(Browser.SetCookie::parse)
                .filter(c -> c.name().equals("SESSION")).findFirst().orElseThrow().value();
    }
}
