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
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * In-place changes of plain session values (the JDK's maps and lists of strings and numbers),
 * which the session detects by comparing with a copy taken when they were read rather than by
 * encoding them again: every change is saved, on real Jetty and real Redis, and a value only
 * read is not written.
 */
@WithRedis
class PlainValueChangesTest {

    private static RedisServer redis;
    private static RedisSessionStore store;
    private static EmbeddedJetty node;
    private static final HttpClient http = Browser.newHttpClient();

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        store = RedisSessionStore.builder(redis.uri()).touchInterval(Duration.ofMinutes(1)).build();
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(StatelessSessionFilter.builder(store).build()), "/*",
                EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new PlainServlet()), "/*");
        node = EmbeddedJetty.start(context);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
        store.close();
    }

    @BeforeEach
    void empty() {
        redis.flushAll();
    }

    /** A browser with a session holding a cart, a history and preferences. */
    private static Browser withSession() {
        Browser browser = Browser.withCookies(http);
        assertThat(browser.post(node, "/init").status()).isEqualTo(200);
        return browser;
    }

    @Test
    void everyKindOfInPlaceChangeIsSavedAndSeenByTheNextRequest() {
        Browser browser = withSession();
        assertThat(browser.get(node, "/read").body()).isEqualTo("cart={apple=1} recent=[/a] prefs={a=1, b=2}");

        browser.post(node, "/cart?sku=apple&qty=2");
        browser.post(node, "/cart?sku=pear&qty=1");
        browser.post(node, "/recent?path=/b");
        browser.post(node, "/prefs/use?key=a"); // the same entries in another order
        assertThat(browser.get(node, "/read").body())
                .isEqualTo("cart={apple=3, pear=1} recent=[/a, /b] prefs={b=2, a=1}");
    }

    @Test
    void aRequestThatOnlyReadsPlainValuesWritesNothing() {
        Browser browser = withSession();
        browser.get(node, "/read"); // the script is loaded, the node is warm
        redis.command("CONFIG", "RESETSTAT");

        assertThat(browser.get(node, "/read").body()).isEqualTo("cart={apple=1} recent=[/a] prefs={a=1, b=2}");

        assertThat(redis.calls("hgetall")).isEqualTo(1);
        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("no save").isZero();
    }

    @Test
    void aValueChangedAndChangedBackInOneRequestIsNotWritten() {
        Browser browser = withSession();
        browser.get(node, "/read");
        redis.command("CONFIG", "RESETSTAT");

        assertThat(browser.post(node, "/cart/change-and-back").status()).isEqualTo(200);

        assertThat(redis.calls("evalsha") + redis.calls("eval")).as("no save").isZero();
        assertThat(browser.get(node, "/read").body()).startsWith("cart={apple=1} ");
    }

    @Test
    void aChangeBackAfterTheResponseWasCommittedIsSavedToo() {
        // The first save (at commit) moves the baseline: changing the value back to what was read
        // is then a change, saved when the request ends.
        Browser browser = withSession();
        assertThat(browser.post(node, "/cart/commit-then-back").status()).isEqualTo(200);
        assertThat(browser.get(node, "/read").body()).startsWith("cart={apple=1} ");
    }

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
