package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.servlet.Browser.Reply;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.http.Rfc6265CookieProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The session defaults an application sets through the container rather than {@code web.xml}:
 * {@code ServletContext.setSessionTimeout} in an initializer, and Tomcat's {@code CookieProcessor}
 * with {@code sameSiteCookies}. The filter is made by Tomcat from its class name (the web.xml route).
 */
@WithRedis
class TomcatSessionDefaultsTest {

    private static RedisServer redis;
    private static EmbeddedTomcat node;

    /** Creates the session and prints its max inactive interval. */
    static final class TimeoutServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().print(request.getSession().getMaxInactiveInterval());
        }
    }

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        AtomicReference<Context> deployed = new AtomicReference<>();
        node = EmbeddedTomcat.start("stateless-tomcat-defaults-", (tomcat, baseDir) -> {
            Context context = EmbeddedTomcat.rootContext(tomcat, baseDir);
            Rfc6265CookieProcessor cookies = new Rfc6265CookieProcessor();
            cookies.setSameSiteCookies("strict");
            context.setCookieProcessor(cookies);
            context.addServletContainerInitializer((classes, servletContext) -> servletContext.setSessionTimeout(17),
                    null);
            Tomcat.addServlet(context, "timeout", new TimeoutServlet());
            context.addServletMappingDecoded("/*", "timeout");
            EmbeddedTomcat.addFilter(context, "sessions", StatelessSessionFilter.class, null,
                    Map.of("store-uri", redis.uri()), false);
            deployed.set(context);
            return context;
        });
        assertThat(deployed.get().getState()).isEqualTo(LifecycleState.STARTED);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void theTimeoutTheApplicationSetInItsInitializerIsTheNewSessionsIdleTimeout() {
        Browser browser = Browser.withCookies(HttpClient.newHttpClient());

        Reply created = browser.get(node, "/");

        assertThat(created.body()).isEqualTo(Integer.toString(17 * 60));
        assertThat(redis.commandMap("HGETALL", "stateless:s:{" + dev.stateless.core.session.SessionId
                .parse(browser.cookie("SESSION")).orElseThrow().digest() + "}")).containsEntry("#i", "1020000");
    }

    @Test
    void theSameSiteOfTomcatsCookieProcessorIsTheSessionCookiesSameSite() {
        Reply created = Browser.withCookies(HttpClient.newHttpClient()).get(node, "/");

        assertThat(created.setCookie("SESSION").orElseThrow().attribute("SameSite")).contains("Strict");
    }
}
