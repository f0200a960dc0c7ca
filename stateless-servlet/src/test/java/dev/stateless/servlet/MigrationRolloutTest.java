package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.redis.RedisSessionStore;
import dev.stateless.servlet.Browser.Reply;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, the rollout flag and adoption's options, on the legacy webapp fixture with its
 * run-time switch ({@link dev.stateless.servlet.legacy.MigrationSwitch}) and on real Redis: a
 * percentage splits new clients and each keeps its side, a predicate picks requests, an adopted
 * container session can be ended without logging a user out, and the {@code web.xml} form.
 */
class MigrationRolloutTest extends AbstractMigrationTest {

    private ContainerNode node(LegacyContainer container, boolean writeThrough, boolean endAdopted) throws Exception {
        return running(container.start(LegacyWebapp.withMigrationSwitch(redis.uri(), writeThrough, endAdopted)));
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void aPercentageSplitsNewClientsEachKeepsItsSideAndAtOneHundredEveryoneIsAdopted(LegacyContainer container)
            throws Exception {
        ContainerNode node = node(container, false, false);
        switchTo(node, "percent=50");
        List<Browser> clients = new ArrayList<>();
        List<Boolean> ours = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            Browser client = Browser.withCookies(http);
            Reply reply = client.get(node, "attr?set=color&value=c" + n);
            clients.add(client);
            ours.add(client.cookie("SESSION") != null);
            ids.add(AbstractLegacyWebappTest.page(reply).get("id"));
        }
        assertThat(ours).as("about half the clients on each side").contains(true, false);

        switchTo(node, "percent=70");
        for (int n = 0; n < clients.size(); n++) {
            Map<String, String> page = AbstractLegacyWebappTest.page(clients.get(n).get(node, "attr?get=color"));
            assertThat(page).as("client %d keeps its session and its side", n)
                    .containsEntry("color", "c" + n).containsEntry("id", ids.get(n));
            assertThat(clients.get(n).cookie("SESSION") != null).isEqualTo(ours.get(n));
        }

        switchTo(node, "percent=100");
        for (int n = 0; n < clients.size(); n++) {
            Map<String, String> page = AbstractLegacyWebappTest.page(clients.get(n).get(node, "attr?get=color"));
            assertThat(page).as("client %d", n).containsEntry("color", "c" + n);
            assertThat(clients.get(n).cookie("SESSION")).as("client %d has a session of the filter", n).isNotNull();
        }
        assertThat(switchTo(node, "")).containsEntry("adopted", Long.toString(ours.stream().filter(o -> !o).count()));
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void aPredicateDecidesWhichRequestsStartOrAdoptSessionsOfTheFilter(LegacyContainer container) throws Exception {
        ContainerNode node = node(container, false, false);
        switchTo(node, "percent=100&when-cookie=beta");

        Browser regular = Browser.withCookies(http);
        AbstractLegacyWebappTest.page(regular.get(node, "attr?set=color&value=blue"));
        assertThat(regular.cookie("SESSION")).as("not a beta tester: the container's session").isNull();
        Browser beta = Browser.withCookies(http).cookie("beta", "1");
        AbstractLegacyWebappTest.page(beta.get(node, "attr?set=color&value=green"));
        assertThat(beta.cookie("SESSION")).as("a beta tester: a session of the filter").isNotNull();

        regular.cookie("beta", "1"); // joins the beta: its container session is adopted
        assertThat(AbstractLegacyWebappTest.page(regular.get(node, "attr?get=color"))).containsEntry("color", "blue");
        assertThat(regular.cookie("SESSION")).isNotNull();
        regular.cookie("beta", null); // and leaves it: a session of the filter stays one
        assertThat(AbstractLegacyWebappTest.page(regular.get(node, "attr?get=color"))).containsEntry("color", "blue");
        assertThat(redis.command("EXISTS", AbstractSessionContainerTest.keyOf(regular.cookie("SESSION")))).isEqualTo("1");
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void endingAdoptedSessionsEndsTheContainersOneButNeverAContainerLogin(LegacyContainer container) throws Exception {
        ContainerNode node = node(container, false, true);
        Browser anonymous = Browser.withCookies(http);
        String containerId = AbstractLegacyWebappTest.page(anonymous.get(node, "attr?set=color&value=red")).get("id");
        Browser loggedIn = Browser.withCookies(http);
        AbstractLegacyWebappTest.assertSeesLoginPage(loggedIn.get(node, "secure/account"));
        Reply posted = loggedIn.postForm(node, "j_security_check",
                Map.of("j_username", LegacyWebapp.USER, "j_password", LegacyWebapp.PASSWORD));
        assertThat(posted.status()).isIn(302, 303);
        String loginId = AbstractLegacyWebappTest.page(loggedIn.get(node, "attr?set=color&value=black")).get("id");

        switchTo(node, "percent=100");
        assertThat(AbstractLegacyWebappTest.page(anonymous.get(node, "attr?get=color"))).containsEntry("color", "red");
        assertThat(AbstractLegacyWebappTest.page(loggedIn.get(node, "attr?get=color"))).containsEntry("color", "black");
        assertThat(AbstractLegacyWebappTest.page(loggedIn.get(node, "secure/account")))
                .as("still logged in by the container").containsEntry("account", LegacyWebapp.USER);
        List<String> events = Browser.withoutCookies(http).get(node, "events").body().lines().toList();
        assertThat(events).as("the anonymous container session was ended").contains("destroyed " + containerId);
        assertThat(events).as("the container login's session was kept").noneMatch(e -> e.startsWith("destroyed " + loginId));
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void anAdoptionWhoseSaveFailsLeavesTheContainersSessionWholeForTheNextTry(LegacyContainer container) throws Exception {
        ContainerNode node = node(container, false, true);
        Browser browser = Browser.withCookies(http);
        AbstractLegacyWebappTest.page(browser.get(node, "attr?set=color&value=red"));
        switchTo(node, "percent=100");

        redis.stop();
        Reply refused;
        try {
            refused = browser.get(node, "attr?get=color");
        } finally {
            redis.restart();
        }
        assertThat(refused.status()).as("Redis down: %s", refused.body()).isEqualTo(503);
        Reply again = browser.get(node, "attr?get=color");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (again.status() == 503 && System.nanoTime() - deadline < 0) {
            Thread.sleep(200); // the store waits a moment before it connects again after a failed attempt
            again = browser.get(node, "attr?get=color");
        }
        assertThat(AbstractLegacyWebappTest.page(again)).as("adopted at the next try").containsEntry("color", "red");
        assertThat(browser.cookie("SESSION")).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void aUserWhoLoggedOffOnAnotherNodeDoesNotComeBackFromTheAdoptedContainerSession(LegacyContainer container)
            throws Exception {
        ContainerNode a = node(container, false, false);
        ContainerNode b = node(container, false, false);
        Browser browser = Browser.withCookies(http);
        AbstractLegacyWebappTest.page(browser.get(a, "attr?set=color&value=red"));
        switchTo(a, "percent=100");
        switchTo(b, "percent=100");
        assertThat(AbstractLegacyWebappTest.page(browser.get(a, "attr?get=color"))).containsEntry("color", "red");
        assertThat(browser.cookie("SESSION")).isNotNull();

        assertThat(AbstractLegacyWebappTest.page(browser.get(b, "logout"))).containsEntry("loggedOut", "true");
        assertThat(browser.cookie("SESSION")).isNull();
        assertThat(browser.cookie("JSESSIONID")).as("node A's container session, still alive there").isNotNull();
        assertThat(AbstractLegacyWebappTest.page(browser.get(a, "attr?get=color")))
                .as("back on node A after the log-off").containsEntry("color", "null");
    }

    /**
     * The filter taken out of a node (a redeploy without it, the container keeping its sessions) and
     * put back: what the user changed meanwhile lives in the container's session, and wins over the
     * older copy in Redis, which the user's {@code SESSION} cookie still names.
     */
    @Test
    void aSessionChangedWhileTheFilterWasRemovedComesBackAsTheContainerHadIt() throws Exception {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).build()) {
            AtomicReference<Filter> deployed = new AtomicReference<>();
            AtomicReference<FilterConfig> config = new AtomicReference<>();
            Filter node = new Filter() {
                @Override
                public void init(FilterConfig filterConfig) {
                    config.set(filterConfig);
                }

                @Override
                public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                        throws IOException, ServletException {
                    Filter filter = deployed.get();
                    if (filter == null) {
                        chain.doFilter(request, response);
                    } else {
                        filter.doFilter(request, response, chain);
                    }
                }
            };
            ContainerNode jetty = jetty(new FilterHolder(node));
            Migration writeThrough = Migration.builder().writeThrough(true).build();
            StatelessSessionFilter first = StatelessSessionFilter.builder(store).migration(writeThrough).build();
            first.init(config.get());
            deployed.set(first);

            Browser browser = Browser.withCookies(http);
            AbstractLegacyWebappTest.page(browser.get(jetty, "attr?set=color&value=red"));
            String ours = browser.cookie("SESSION");
            assertThat(ours).isNotNull();

            deployed.set(null); // removed: the container's session, with the copy, serves the user
            assertThat(AbstractLegacyWebappTest.page(browser.get(jetty, "attr?get=color"))).containsEntry("color", "red");
            AbstractLegacyWebappTest.page(browser.get(jetty, "attr?set=color&value=blue"));

            StatelessSessionFilter again = StatelessSessionFilter.builder(store).migration(writeThrough).build();
            again.init(config.get());
            deployed.set(again); // back
            assertThat(AbstractLegacyWebappTest.page(browser.get(jetty, "attr?get=color")))
                    .as("the change made while the filter was away").containsEntry("color", "blue");
            assertThat(browser.cookie("SESSION")).isEqualTo(ours);
            assertThat(AbstractLegacyWebappTest.page(browser.get(jetty, "attr?get=color"))).containsEntry("color", "blue");
        }
    }

    @Test
    void theMigrationOptionsAreInitParametersAndBadOnesStopTheStartNamingThem() throws Exception {
        assertThat(startupFailure(Map.of("store-uri", redis.uri(), "rollout-percent", "150")))
                .isEqualTo("StatelessSessionFilter: rollout-percent must be between 0 and 100, was 150");
        assertThat(startupFailure(Map.of("store-uri", redis.uri(), "write-through", "yes")))
                .isEqualTo("StatelessSessionFilter: write-through must be true or false, was 'yes'");
        assertThat(startupFailure(Map.of("store-uri", redis.uri(), "write-through", "true", "end-adopted", "true")))
                .startsWith("StatelessSessionFilter: end-adopted and write-through exclude each other");

        ContainerNode off = jetty(Map.of("store-uri", redis.uri(), "rollout-percent", "0"));
        Browser browser = Browser.withCookies(http);
        assertThat(AbstractLegacyWebappTest.page(browser.get(off, "attr?set=color&value=red"))).containsKey("id");
        assertThat(browser.cookie("SESSION")).as("at 0 %% the container's session").isNull();
        assertThat(browser.cookie("JSESSIONID")).isNotNull();
    }

    @Test
    void theReadmeSnippetSwitchesAtRunTimeAndAdoptsWithTheColorKept() throws Exception {
        try (RedisSessionStore store = RedisSessionStore.builder(redis.uri()).build()) {
            // README "Migrating a running service", verbatim
            AtomicInteger percent = new AtomicInteger(0); // your feature flag, read on every request
            Migration migration = Migration.builder()
                    .rollout(Rollout.percent(percent::get)
                            .when(request -> !request.getRequestURI().startsWith("/reports/"))) // not these pages yet
                    .writeThrough(true) // the way back: each session also stays in the container's own
                    .onRefused(refused -> System.err.println("stays on its node: " + refused))
                    .build();
            StatelessSessionFilter sessions = StatelessSessionFilter.builder(store).migration(migration).build();
            // end of the snippet

            ContainerNode node = jetty(new FilterHolder(sessions));
            Browser browser = Browser.withCookies(http);
            AbstractLegacyWebappTest.page(browser.get(node, "attr?set=color&value=red"));
            assertThat(browser.cookie("SESSION")).as("at 0 %%").isNull();
            percent.set(100);
            assertThat(AbstractLegacyWebappTest.page(browser.get(node, "attr?get=color"))).containsEntry("color", "red");
            assertThat(browser.cookie("SESSION")).as("adopted").isNotNull();
            assertThat(migration.adoptedSessions()).isEqualTo(1);
            assertThat(migration.adoptedAttributes()).isEqualTo(1);
        }
    }

    /** Embedded Jetty with container sessions, the filter declared by class name with these init parameters. */
    private ContainerNode jetty(Map<String, String> params) throws Exception {
        FilterHolder filter = new FilterHolder();
        filter.setClassName(StatelessSessionFilter.class.getName());
        filter.setInitParameters(params);
        return jetty(filter);
    }

    private ContainerNode jetty(FilterHolder filter) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.SESSIONS);
        filter.setName("sessions");
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder("app", new dev.stateless.servlet.legacy.ShopServlet()), "/attr");
        server.setHandler(context);
        running(server::stop);
        server.start();
        java.net.URI base = java.net.URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
        return new ContainerNode() {
            @Override
            public java.net.URI base() {
                return base;
            }

            @Override
            public void close() {
            }
        };
    }

    private String startupFailure(Map<String, String> params) {
        Throwable failure = null;
        try {
            jetty(params);
        } catch (Exception e) {
            failure = e;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ServletException && t.getMessage() != null && t.getMessage().startsWith("StatelessSessionFilter")) {
                return t.getMessage();
            }
        }
        throw new AssertionError("the node did not fail with the filter's ServletException", failure);
    }
}
