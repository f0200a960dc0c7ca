package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.Browser.Reply;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * In-place changes of plain session values (the JDK's maps and lists of strings and numbers),
 * which the session detects by comparing with a copy taken when they were read rather than by
 * encoding them again: every change is saved, on real Jetty and real Redis, and a value only
 * read is not written. Each test runs on a node without a near cache and on one with it, whose
 * copies keep decoded values for the next requests ({@code AttributeMemo}): what a request gets
 * from there is its own copy, so that its changes are seen and saved, and reach no other request.
 */
@WithRedis
class PlainValueChangesTest {

    private static RedisServer redis;
    private static RedisSessionStore store;
    private static RedisSessionStore nearStore;
    private static EmbeddedJetty plainNode;
    private static EmbeddedJetty nearNode;
    private static final HttpClient http = Browser.newHttpClient();

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        store = RedisSessionStore.builder(redis.uri()).touchInterval(Duration.ofMinutes(1)).build();
        nearStore = RedisSessionStore.builder(redis.uri()).touchInterval(Duration.ofMinutes(1))
                .nearCache(1 << 20, Duration.ofSeconds(30)).build();
        plainNode = node(store);
        nearNode = node(nearStore);
    }

    private static EmbeddedJetty node(RedisSessionStore sessions) throws Exception {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(StatelessSessionFilter.builder(sessions).build()), "/*",
                EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new PlainServlet()), "/*");
        return EmbeddedJetty.start(context);
    }

    @AfterAll
    static void stop() throws Exception {
        plainNode.close();
        nearNode.close();
        store.close();
        nearStore.close();
    }

    @BeforeEach
    void empty() {
        redis.flushAll();
    }

    /** A browser with a session holding a cart, a history and preferences. */
    private static Browser withSession(EmbeddedJetty node) {
        Browser browser = Browser.withCookies(http);
        assertThat(browser.post(node, "/init").status()).isEqualTo(200);
        return browser;
    }

    private static EmbeddedJetty node(boolean nearCache) {
        return nearCache ? nearNode : plainNode;
    }

    @ParameterizedTest(name = "near cache: {0}")
    @ValueSource(booleans = {false, true})
    void everyKindOfInPlaceChangeIsSavedAndSeenByTheNextRequest(boolean nearCache) {
        EmbeddedJetty node = node(nearCache);
        Browser browser = withSession(node);
        assertThat(browser.get(node, "/read").body()).isEqualTo("cart={apple=1} recent=[/a] prefs={a=1, b=2}");
        // read again: with the near cache, from the values the first read left with the copy
        assertThat(browser.get(node, "/read").body()).isEqualTo("cart={apple=1} recent=[/a] prefs={a=1, b=2}");

        browser.post(node, "/cart?sku=apple&qty=2");
        browser.post(node, "/cart?sku=pear&qty=1");
        browser.post(node, "/recent?path=/b");
        browser.post(node, "/prefs/use?key=a"); // the same entries in another order
        assertThat(browser.get(node, "/read").body())
                .isEqualTo("cart={apple=3, pear=1} recent=[/a, /b] prefs={b=2, a=1}");
    }

    @ParameterizedTest(name = "near cache: {0}")
    @ValueSource(booleans = {false, true})
    void aRequestThatOnlyReadsPlainValuesWritesNothing(boolean nearCache) {
        EmbeddedJetty node = node(nearCache);
        Browser browser = withSession(node);
        browser.get(node, "/read"); // the script is loaded, the node is warm
        redis.command("CONFIG", "RESETSTAT");

        assertThat(browser.get(node, "/read").body()).isEqualTo("cart={apple=1} recent=[/a] prefs={a=1, b=2}");

        assertThat(redis.calls("hgetall")).as("a load from Redis, or none from the near cache")
                .isEqualTo(nearCache ? 0L : 1L);
        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("no save").isZero();
    }

    @ParameterizedTest(name = "near cache: {0}")
    @ValueSource(booleans = {false, true})
    void aValueChangedAndChangedBackInOneRequestIsNotWritten(boolean nearCache) {
        EmbeddedJetty node = node(nearCache);
        Browser browser = withSession(node);
        browser.get(node, "/read");
        redis.command("CONFIG", "RESETSTAT");

        assertThat(browser.post(node, "/cart/change-and-back").status()).isEqualTo(200);

        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("no save").isZero();
        assertThat(browser.get(node, "/read").body()).startsWith("cart={apple=1} ");
    }

    @ParameterizedTest(name = "near cache: {0}")
    @ValueSource(booleans = {false, true})
    void aChangeBackAfterTheResponseWasCommittedIsSavedToo(boolean nearCache) {
        // The first save (at commit) moves the baseline: changing the value back to what was read
        // is then a change, saved when the request ends.
        EmbeddedJetty node = node(nearCache);
        Browser browser = withSession(node);
        assertThat(browser.post(node, "/cart/commit-then-back").status()).isEqualTo(200);
        assertThat(browser.get(node, "/read").body()).startsWith("cart={apple=1} ");
    }

    @ParameterizedTest(name = "near cache: {0}")
    @ValueSource(booleans = {false, true})
    void aChangeInPlaceIsNotSeenByAnotherRequestBeforeItIsSaved(boolean nearCache) throws Exception {
        EmbeddedJetty node = node(nearCache);
        Browser browser = withSession(node);
        browser.get(node, "/read");
        browser.get(node, "/read");
        held = new CountDownLatch(1);
        release = new CountDownLatch(1);

        CompletableFuture<Reply> holding = browser.sendAsync(node, "POST", "/cart/hold");
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue(); // its cart says apple=7, unsaved
        String meanwhile = browser.get(node, "/read").body();
        release.countDown();

        assertThat(meanwhile).startsWith("cart={apple=1} ");
        assertThat(holding.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(browser.get(node, "/read").body()).startsWith("cart={apple=7} ");
    }

    private static volatile CountDownLatch held = new CountDownLatch(0);
    private static volatile CountDownLatch release = new CountDownLatch(0);

    /** The application: plain values changed in place, never set again. */
    static final class PlainServlet extends HttpServlet {

        @Override
        @SuppressWarnings("unchecked")
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            HttpSession session = req.getSession();
            String route = req.getMethod() + " " + req.getPathInfo();
            switch (route) {
                case "POST /init" -> {
                    session.setAttribute("cart", new HashMap<>(Map.of("apple", 1)));
                    session.setAttribute("recent", new ArrayList<>(List.of("/a")));
                    Map<String, Integer> prefs = new LinkedHashMap<>();
                    prefs.put("a", 1);
                    prefs.put("b", 2);
                    session.setAttribute("prefs", prefs);
                }
                case "GET /read" -> resp.getWriter().print("cart=" + new TreeMap<>((Map<String, Integer>) session.getAttribute("cart"))
                        + " recent=" + session.getAttribute("recent") + " prefs=" + session.getAttribute("prefs"));
                case "POST /cart" -> ((Map<String, Integer>) session.getAttribute("cart"))
                        .merge(req.getParameter("sku"), Integer.parseInt(req.getParameter("qty")), Integer::sum);
                case "POST /recent" -> ((List<String>) session.getAttribute("recent")).add(req.getParameter("path"));
                case "POST /prefs/use" -> {
                    Map<String, Integer> prefs = (Map<String, Integer>) session.getAttribute("prefs");
                    String key = req.getParameter("key");
                    prefs.put(key, prefs.remove(key)); // moved to the end
                }
                case "POST /cart/change-and-back" -> {
                    Map<String, Integer> cart = (Map<String, Integer>) session.getAttribute("cart");
                    cart.put("apple", 99);
                    cart.put("apple", 1);
                }
                case "POST /cart/hold" -> {
                    ((Map<String, Integer>) session.getAttribute("cart")).put("apple", 7);
                    held.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                case "POST /cart/commit-then-back" -> {
                    Map<String, Integer> cart = (Map<String, Integer>) session.getAttribute("cart");
                    cart.put("apple", 50);
                    resp.getWriter().print("committed");
                    resp.flushBuffer(); // the session is saved here, with apple=50
                    cart.put("apple", 1);
                }
                default -> resp.sendError(404);
            }
        }
    }
}
