package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.servlet.Browser.Reply;
import dev.stateless.testing.RedisServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.http.Rfc6265CookieProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The session defaults an application sets through the container rather than {@code web.xml}:
 * {@code ServletContext.setSessionTimeout} in an initializer, and Tomcat's {@code CookieProcessor}
 * with {@code sameSiteCookies}. The filter is made by Tomcat from its class name (the web.xml route).
 */
class TomcatSessionDefaultsTest {

    private static RedisServer redis;
    private static Tomcat tomcat;
    private static Path baseDir;
    private static ContainerNode node;

    /** Creates the session and prints its max inactive interval. */
    static final class TimeoutServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().print(request.getSession().getMaxInactiveInterval());
        }
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        baseDir = Files.createTempDirectory("stateless-tomcat-defaults-");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        Connector connector = tomcat.getConnector();
        connector.setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", Files.createDirectories(baseDir.resolve("docroot")).toString());
        Rfc6265CookieProcessor cookies = new Rfc6265CookieProcessor();
        cookies.setSameSiteCookies("strict");
        context.setCookieProcessor(cookies);
        context.addServletContainerInitializer((classes, servletContext) -> servletContext.setSessionTimeout(17), null);
        Tomcat.addServlet(context, "timeout", new TimeoutServlet());
        context.addServletMappingDecoded("/*", "timeout");
        FilterDef sessions = new FilterDef();
        sessions.setFilterName("sessions");
        sessions.setFilterClass(StatelessSessionFilter.class.getName());
        sessions.addInitParameter("store-uri", redis.uri());
        context.addFilterDef(sessions);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("sessions");
        mapping.addURLPattern("/*");
        context.addFilterMap(mapping);
        tomcat.start();
        assertThat(context.getState()).isEqualTo(LifecycleState.STARTED);
        URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
        node = new ContainerNode() {
            @Override
            public URI base() {
                return base;
            }

            @Override
            public void close() {
            }
        };
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        redis.close();
    }

    @Test
    void theTimeoutTheApplicationSetInItsInitializerIsTheNewSessionsIdleTimeout() {
        Browser browser = Browser.withCookies(HttpClient.newHttpClient());

        Reply created = browser.get(node, "/");

        assertThat(created.body()).isEqualTo(Integer.toString(17 * 60));
        assertThat(redis.command("HGET", "stateless:s:{" + dev.stateless.core.session.SessionId
                .parse(browser.cookie("SESSION")).orElseThrow().digest() + "}", "#m").split(":")[3]) // idle timeout
                .isEqualTo("1020000");
    }

    @Test
    void theSameSiteOfTomcatsCookieProcessorIsTheSessionCookiesSameSite() {
        Reply created = Browser.withCookies(HttpClient.newHttpClient()).get(node, "/");

        assertThat(created.setCookie("SESSION").orElseThrow().attribute("SameSite")).contains("Strict");
    }
}
