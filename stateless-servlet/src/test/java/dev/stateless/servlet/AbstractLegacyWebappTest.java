package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;

import dev.stateless.servlet.Browser.Reply;
import dev.stateless.servlet.Browser.SetCookie;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 10's promise, tried as a user would: the legacy webapp fixture ({@link LegacyWebapp}:
 * JSPs with session beans, listeners, FORM login, an async servlet, a {@code <session-config>})
 * runs unchanged, with only {@link StatelessSessionFilter} declared in its {@code web.xml}, on two
 * nodes of one container over one real Redis, every request moving between the nodes.
 *
 * <p>Each scenario runs twice: on one node of the same container without our filter (the container's
 * own sessions, the baseline) and through the filter from node A to node B. A scenario the
 * container itself fails is skipped ({@link BaselineGate}). One more test kills a node and runs
 * every scenario again on the survivor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
abstract class AbstractLegacyWebappTest {

    private RedisServer redis;
    private HttpClient http;
    private ContainerNode baseline;
    private ContainerNode nodeA;
    private ContainerNode nodeB;
    private final BaselineGate gate = new BaselineGate();

    /** Which container this class runs the fixture on. */
    protected abstract LegacyContainer container();

    /** A user's way through the app: the first and the second node it talks to. */
    record Route(String name, ContainerNode first, ContainerNode second) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    void startRedisAndNodes(RedisServer started) throws Exception {
        redis = started;
        http = Browser.newHttpClient();
        baseline = container().start(LegacyWebapp.withoutFilter());
        nodeA = container().start(LegacyWebapp.withFilter(redis.uri()));
        nodeB = container().start(LegacyWebapp.withFilter(redis.uri()));
    }

    @AfterAll
    void stopEverything() {
        for (ContainerNode node : new ContainerNode[] {baseline, nodeA, nodeB}) {
            if (node != null) {
                node.close();
            }
        }
    }

    Stream<Route> routes() {
        return Stream.of(baselineRoute(), new Route("stateless filter, node A then node B", nodeA, nodeB));
    }

    private Route baselineRoute() {
        return new Route(container() + "'s own sessions, one node", baseline, baseline);
    }

    private void verify(TestInfo test, Route route, Consumer<Route> scenario) {
        gate.verify(test.getTestMethod().orElseThrow().getName(), route, baselineRoute(), scenario);
    }

    // ---- the scenarios

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aSessionScopedJspBeanChangedInPlaceSurvivesMovingBetweenNodes(Route route, TestInfo test) {
        verify(test, route, this::cartBeanChangedInPlace);
    }

    private void cartBeanChangedInPlace(Route route) {
        Browser browser = Browser.withCookies(http);
        assertPage(browser.get(route.first(), "cart.jsp?add=apple"), "items", "apple");
        assertPage(browser.get(route.second(), "cart.jsp?add=pear"), "items", "apple,pear");
        Reply third = browser.get(route.first(), "cart.jsp");
        assertPage(third, "items", "apple,pear");
        assertThat(third.lines()).containsEntry("count", "2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aSerializableBeanWithPrivateStateContinuesOnTheOtherNode(Route route, TestInfo test) {
        verify(test, route, this::diceContinues);
    }

    private void diceContinues(Route route) {
        Browser browser = Browser.withCookies(http);
        Random local = new Random(42);
        assertPage(browser.get(route.first(), "dice?seed=42"), "seeded", "42");
        assertPage(browser.get(route.first(), "dice"), "roll", Integer.toString(local.nextInt(1_000_000)));
        assertPage(browser.get(route.second(), "dice"), "roll", Integer.toString(local.nextInt(1_000_000)));
        Reply third = browser.get(route.first(), "dice");
        assertPage(third, "roll", Integer.toString(local.nextInt(1_000_000)));
        assertThat(third.lines()).containsEntry("rolls", "3");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void listenersFireOncePerEventOnTheNodeWhereItHappens(Route route, TestInfo test) {
        verify(test, route, this::listenersFireWhereTheEventHappens);
    }

    private void listenersFireWhereTheEventHappens(Route route) {
        Browser browser = Browser.withCookies(http);
        Map<ContainerNode, List<String>> expected = new LinkedHashMap<>();
        expected.put(route.first(), new ArrayList<>());
        expected.put(route.second(), new ArrayList<>());

        String id = page(browser.get(route.first(), "attr?set=color&value=red")).get("id");
        expected.get(route.first()).addAll(List.of("created " + id, "annotated-created " + id, "added " + id + " color=red"));
        browser.get(route.second(), "attr?set=color&value=blue");
        expected.get(route.second()).add("replaced " + id + " color=red");
        browser.get(route.first(), "attr?remove=color");
        expected.get(route.first()).add("removed " + id + " color=blue");
        String newId = page(browser.get(route.second(), "attr?changeId")).get("id");
        assertThat(newId).as("changeSessionId gave a new id").isNotEqualTo(id);
        expected.get(route.second()).add("idChanged " + id + " " + newId);
        assertPage(browser.get(route.first(), "logout"), "loggedOut", "true");
        expected.get(route.first()).addAll(List.of("destroyed " + newId, "annotated-destroyed " + newId));

        for (Map.Entry<ContainerNode, List<String>> node : expected.entrySet()) {
            assertThat(events(node.getKey(), id, newId))
                    .as("the listeners' events on %s", node.getKey())
                    .containsExactlyInAnyOrderElementsOf(node.getValue());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void valueUnboundFiresOnInvalidateOnTheNodeThatInvalidates(Route route, TestInfo test) {
        verify(test, route, this::valueUnboundOnInvalidate);
    }

    private void valueUnboundOnInvalidate(Route route) {
        Browser browser = Browser.withCookies(http);
        String id = page(browser.get(route.first(), "bind?name=token&label=t1")).get("id");
        assertThat(events(route.first(), id)).contains("valueBound " + id + " token t1");
        assertPage(browser.get(route.second(), "logout"), "loggedOut", "true");
        List<String> unbound = new ArrayList<>(events(route.second(), id));
        if (route.first() != route.second()) {
            unbound.addAll(events(route.first(), id));
        }
        assertThat(unbound.stream().filter(e -> e.startsWith("valueUnbound")))
                .as("valueUnbound, once, on the node that invalidated")
                .containsExactly("valueUnbound " + id + " token t1");
        assertThat(events(route.second(), id)).contains("valueUnbound " + id + " token t1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void theSessionTimeoutOfWebXmlIsTheSessionsMaxInactiveInterval(Route route, TestInfo test) {
        verify(test, route, this::sessionTimeoutFromWebXml);
    }

    private void sessionTimeoutFromWebXml(Route route) {
        Browser browser = Browser.withCookies(http);
        assertPage(browser.get(route.first(), "info"), "maxInactiveInterval", "420");
        assertPage(browser.get(route.second(), "info"), "maxInactiveInterval", "420");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void theSessionCookieCarriesTheCookieConfigOfWebXml(Route route, TestInfo test) {
        verify(test, route, this::cookieConfigFromWebXml);
    }

    private void cookieConfigFromWebXml(Route route) {
        Browser browser = Browser.withCookies(http);
        Reply reply = browser.get(route.first(), "info");
        SetCookie cookie = sessionCookie(reply, page(reply).get("id"));
        assertCookieConfigOfWebXml(cookie);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aSessionThatNeverTimesOutReadsBackMinusOneOnEveryNode(Route route, TestInfo test) {
        verify(test, route, this::neverTimesOut);
    }

    private void neverTimesOut(Route route) {
        Browser browser = Browser.withCookies(http);
        Reply first = browser.get(route.first(), "info?maxInactive=-1");
        assertPage(first, "maxInactiveInterval", "-1");
        assertPage(browser.get(route.second(), "info"), "maxInactiveInterval", "-1");
        if (route.first() != baseline) {
            long ttl = redis.commandLong("PTTL", AbstractSessionContainerTest.keyOf(page(first).get("id")));
            assertThat(ttl).as("what is left of the session's life in Redis (ms; -1 none)")
                    .satisfiesAnyOf(t -> assertThat(t).isEqualTo(-1L), t -> assertThat(t).isGreaterThan(420_000L));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aClientWithoutCookiesFollowingEncodedLinksKeepsOneSession(Route route, TestInfo test) {
        verify(test, route, this::cookielessClientKeepsItsSession);
    }

    private void cookielessClientKeepsItsSession(Route route) {
        Browser browser = Browser.withoutCookies(http);
        Reply first = browser.get(route.first(), "visits.jsp");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).contains("visits=1");
        String id = between(first.body(), "session=", "<");
        String link = nextLink(first);
        assertThat(link).as("the link written by encodeURL carries the session id").contains(id);

        Reply second = browser.get(route.second(), link);
        assertThat(second.body()).as(second.body()).contains("visits=2").contains("fromURL=true").contains("session=" + id);
        Reply third = browser.get(route.first(), nextLink(second));
        assertThat(third.body()).as(third.body()).contains("visits=3").contains("fromURL=true").contains("session=" + id);

        Reply redirect = browser.get(route.second(), link(third, "continue"));
        assertThat(redirect.status()).as(redirect.body()).isIn(302, 303);
        String location = redirect.location().getRawPath(); // followed on the other node
        assertThat(location).as("the redirect written by encodeRedirectURL carries the session id").contains(id);
        Reply fourth = browser.get(route.first(), location);
        assertThat(fourth.body()).as(fourth.body()).contains("visits=4").contains("fromURL=true").contains("session=" + id);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void anAsyncServletAnswersAndItsSessionChangeIsKept(Route route, TestInfo test) {
        verify(test, route, this::asyncServlet);
    }

    private void asyncServlet(Route route) {
        assertAsyncCountsAcrossNodes(route, "async", "async", "async");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void anAsyncServletThatTakesItsSessionFromTheAsyncContextKeepsIt(Route route, TestInfo test) {
        verify(test, route, this::asyncServletThroughItsContext);
    }

    private void asyncServletThroughItsContext(Route route) {
        // startAsync() without arguments: the container's context hands out the unwrapped request,
        // whose session is the container's own, unless the filter's context hands out its own
        assertAsyncCountsAcrossNodes(route, "async?viaContext", "async?viaContext", "async");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aTimeoutListenerThatAnswersThroughItsEventsContextKeepsTheSessionChange(Route route, TestInfo test) {
        verify(test, route, this::asyncTimeoutAnsweredThroughTheEvent);
    }

    private void asyncTimeoutAnsweredThroughTheEvent(Route route) {
        // the container's context in the event would hand out its unwrapped request and response
        // (the container's own session) and complete without saving first. With "restarted", async
        // starts again in an async dispatch: the listener's onStartAsync event carries the filter's
        // context too, and the listener registers itself on it.
        assertAsyncCountsAcrossNodes(route, "async?onTimeout", "async?onTimeout", "async?onTimeout&restarted", "async");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void anAsyncCycleDispatchedToAJspRendersItWithTheSession(Route route, TestInfo test) {
        verify(test, route, this::asyncDispatchToAJsp);
    }

    private void asyncDispatchToAJsp(Route route) {
        // the JSP finds its page from the dispatched path, and says what kind of dispatch it is in.
        // With "unwrapped", the cycle starts on the container's own request, whose dispatch the
        // container hands over unwrapped.
        List<Reply> replies = assertAsyncCountsAcrossNodes(route, "async?toJsp", "async?toJsp", "async?toJsp&unwrapped",
                "async");
        assertPage(replies.get(0), "dispatcher", "ASYNC");
        assertPage(replies.get(2), "dispatcher", "ASYNC");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void anAsyncChangeIsKeptEvenWhileTheAppsCompletionListenerIsStillBusy(Route route, TestInfo test) {
        verify(test, route, this::asyncServletWithSlowCompletionListener);
    }

    private void asyncServletWithSlowCompletionListener(Route route) {
        // the answer is out before the app's own onComplete returns; the very next request must
        // already see the change, as it does with the container's sessions
        assertAsyncCountsAcrossNodes(route, "async?auditOnComplete", "async?auditOnComplete", "async");
    }

    /**
     * One client sends each of {@code paths} in turn, to the route's first node, then its second,
     * and so on; each answer must show the count one higher ({@code asyncCount=1, 2, ...}).
     */
    private List<Reply> assertAsyncCountsAcrossNodes(Route route, String... paths) {
        Browser browser = Browser.withCookies(http);
        List<Reply> replies = new java.util.ArrayList<>();
        for (int i = 0; i < paths.length; i++) {
            Reply reply = browser.get(i % 2 == 0 ? route.first() : route.second(), paths[i]);
            assertPage(reply, "asyncCount", String.valueOf(i + 1));
            replies.add(reply);
        }
        return replies;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void loggingOffEndsTheContainerLoginToo(Route route, TestInfo test) {
        verify(test, route, this::logOffEndsContainerLogin);
    }

    private void logOffEndsContainerLogin(Route route) {
        Browser browser = Browser.withCookies(http);
        logIn(browser, route.first());
        assertPage(browser.get(route.first(), "secure/account"), "account", LegacyWebapp.USER);
        assertPage(browser.get(route.first(), "logout"), "loggedOut", "true");
        assertSeesLoginPage(browser.get(route.first(), "secure/account"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void loggingOffRightAfterTheLoginEndsTheContainerLoginToo(Route route, TestInfo test) {
        verify(test, route, this::logOffRightAfterLogin);
    }

    private void logOffRightAfterLogin(Route route) {
        // the app never used its session before the "log off" link: getSession(false) must still
        // find the session the container's login made, and invalidate() end the login
        Browser browser = Browser.withCookies(http);
        logIn(browser, route.first());
        assertPage(browser.get(route.first(), "logout"), "loggedOut", "true");
        assertSeesLoginPage(browser.get(route.first(), "secure/account"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aCartFilledBeforeTheLoginIsStillThereAfterIt(Route route, TestInfo test) {
        verify(test, route, this::cartSurvivesLogin);
    }

    private void cartSurvivesLogin(Route route) {
        Browser browser = Browser.withCookies(http);
        assertPage(browser.get(route.first(), "cart.jsp?add=apple"), "items", "apple");
        logIn(browser, route.first());
        assertPage(browser.get(route.first(), "secure/account"), "account", LegacyWebapp.USER);
        assertPage(browser.get(route.second(), "cart.jsp?add=pear"), "items", "apple,pear");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aSessionIdPlantedBeforeTheLoginGivesTheAttackerNothingAfterIt(Route route, TestInfo test) {
        verify(test, route, this::plantedIdGivesNothing);
    }

    private void plantedIdGivesNothing(Route route) {
        // session fixation: the attacker makes a session, plants its cookie in the victim's browser,
        // the victim logs in and shops; the attacker's id must not lead to what the victim did
        Browser attacker = Browser.withCookies(http);
        Reply own = attacker.get(route.first(), "cart.jsp");
        SetCookie planted = sessionCookie(own, page(own).get("id"));
        Browser victim = Browser.withCookies(http).cookie(planted.name(), planted.value());
        logIn(victim, route.second());
        assertPage(victim.get(route.second(), "cart.jsp?add=ring"), "items", "ring");
        assertThat(page(attacker.get(route.first(), "cart.jsp")).get("items"))
                .as("what the attacker sees with the planted id").doesNotContain("ring");
    }

    /**
     * Cannot hold by design, so it must be loud: the container keeps any object in its own memory,
     * but a value that is not Serializable cannot travel between nodes. The user gets an error
     * naming the type, not a session that silently lacks it on the next node.
     */
    @Test
    void aSessionValueThatCannotTravelFailsLoudlyNamingItsType() {
        assertPage(Browser.withCookies(http).get(baseline, "printer"), "printer", "queue-1");

        Browser browser = Browser.withCookies(http);
        Reply reply = browser.get(nodeA, "printer");
        assertThat(reply.status()).as(reply.body()).isEqualTo(500);
        assertThat(reply.body()).contains("dev.stateless.servlet.legacy.PrinterHandle");
        Reply next = browser.get(nodeB, "printer");
        assertThat(next.status()).as("every attempt is refused, on any node: %s", next.body()).isEqualTo(500);
    }

    /**
     * Documented behaviour, not a promise: container-managed login lives in the container's own
     * session of the node that authenticated (its authenticator runs before any filter), so the
     * other node asks for the login again while the app's session itself is shared.
     */
    @Test
    void containerLoginStaysOnTheNodeThatAuthenticated() {
        Browser browser = Browser.withCookies(http);
        logIn(browser, nodeA);
        assertPage(browser.get(nodeA, "secure/account"), "account", LegacyWebapp.USER);
        assertSeesLoginPage(browser.get(nodeB, "secure/account"));
    }

    /**
     * A node is stopped mid-session; the other carries the session on, and every scenario still
     * holds on the node left.
     */
    @Test
    void whenANodeIsKilledTheOtherCarriesOnWithEveryScenario() throws Exception {
        ContainerNode doomed = container().start(LegacyWebapp.withFilter(redis.uri()));
        Browser browser = Browser.withCookies(http);
        Random local = new Random(7);
        Reply color;
        Reply cart;
        Reply firstRoll;
        try {
            color = browser.get(doomed, "attr?set=color&value=red");
            cart = browser.get(doomed, "cart.jsp?add=apple");
            browser.get(doomed, "dice?seed=7");
            firstRoll = browser.get(doomed, "dice");
        } finally {
            doomed.close();
        }
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> {
            page(color);
            assertPage(browser.get(nodeA, "attr?get=color"), "color", "red");
        });
        checks.add(() -> {
            assertPage(cart, "items", "apple");
            assertPage(browser.get(nodeA, "cart.jsp?add=pear"), "items", "apple,pear");
        });
        checks.add(() -> {
            assertPage(firstRoll, "roll", Integer.toString(local.nextInt(1_000_000)));
            assertPage(browser.get(nodeA, "dice"), "roll", Integer.toString(local.nextInt(1_000_000)));
        });

        Route survivor = new Route("node A alone", nodeA, nodeA);
        scenarios().forEach((name, scenario) -> {
            if (gate.baselinePasses("survivor " + name, baselineRoute(), scenario)) {
                checks.add(() -> {
                    try {
                        scenario.accept(survivor);
                    } catch (AssertionError e) {
                        throw new AssertionError(name + " on the survivor: " + e.getMessage(), e);
                    }
                });
            }
        });
        assertAll(checks);
    }

    /** Every scenario above, by name, for the survivor of a killed node. */
    private Map<String, Consumer<Route>> scenarios() {
        Map<String, Consumer<Route>> scenarios = new LinkedHashMap<>();
        scenarios.put("JSP bean changed in place", this::cartBeanChangedInPlace);
        scenarios.put("private-state bean", this::diceContinues);
        scenarios.put("listeners", this::listenersFireWhereTheEventHappens);
        scenarios.put("valueUnbound on invalidate", this::valueUnboundOnInvalidate);
        scenarios.put("session-timeout", this::sessionTimeoutFromWebXml);
        scenarios.put("cookie-config", this::cookieConfigFromWebXml);
        scenarios.put("never times out", this::neverTimesOut);
        scenarios.put("cookieless client", this::cookielessClientKeepsItsSession);
        scenarios.put("async servlet", this::asyncServlet);
        scenarios.put("async servlet, slow completion listener", this::asyncServletWithSlowCompletionListener);
        scenarios.put("async servlet through its context", this::asyncServletThroughItsContext);
        scenarios.put("async timeout answered through the event", this::asyncTimeoutAnsweredThroughTheEvent);
        scenarios.put("async dispatch to a JSP", this::asyncDispatchToAJsp);
        scenarios.put("log off", this::logOffEndsContainerLogin);
        scenarios.put("cart survives login", this::cartSurvivesLogin);
        scenarios.put("planted id", this::plantedIdGivesNothing);
        scenarios.put("log off right after login", this::logOffRightAfterLogin);
        return scenarios;
    }

    // ---- what the user sees

    private void logIn(Browser browser, ContainerNode node) {
        assertSeesLoginPage(browser.get(node, "secure/account"));
        Reply login = browser.postForm(node, "j_security_check",
                Map.of("j_username", LegacyWebapp.USER, "j_password", LegacyWebapp.PASSWORD));
        assertThat(login.status()).as("the login form's answer: %s", login.body()).isIn(302, 303);
        assertThat(pathOf(login.location())).endsWith("/secure/account");
    }

    static void assertSeesLoginPage(Reply reply) {
        if (reply.status() == 302 || reply.status() == 303) {
            assertThat(pathOf(reply.location())).as("redirected to the login page").endsWith("/login.jsp");
        } else {
            assertThat(reply.body()).as("the login page (status %d)", reply.status()).contains("LOGIN-FORM");
        }
    }

    /** Path, Max-Age, HttpOnly and SameSite of the fixture's {@code <cookie-config>}, and no Secure (all reported at once). */
    static void assertCookieConfigOfWebXml(SetCookie cookie) {
        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(cookie.attribute("Path")).as("Path of %s", cookie).contains(LegacyWebapp.CONTEXT_PATH + "/");
        softly.assertThat(cookie.attribute("Max-Age")).as("Max-Age of %s", cookie).contains("3600");
        softly.assertThat(cookie.attribute("HttpOnly")).as("HttpOnly of %s", cookie).isPresent();
        softly.assertThat(cookie.attribute("SameSite").map(v -> v.toLowerCase(java.util.Locale.ROOT)))
                .as("SameSite of %s", cookie).contains("strict");
        softly.assertThat(cookie.attribute("Secure")).as("Secure of %s", cookie).isEmpty();
        // nothing else: Jetty's cookie configuration also lists the cookie's name among its attributes
        softly.assertThat(cookie.attributes().keySet()).as("attributes of %s", cookie)
                .allMatch(a -> java.util.Set.of("path", "max-age", "expires", "httponly", "samesite")
                        .contains(a.toLowerCase(java.util.Locale.ROOT)));
        softly.assertAll();
    }

    /** The path without a {@code ;jsessionid=} a container may have written into a redirect. */
    static String pathOf(java.net.URI location) {
        String path = location.getPath();
        int semicolon = path.indexOf(';');
        return semicolon < 0 ? path : path.substring(0, semicolon);
    }

    /** The {@code key=value} lines of a page that must have answered 200. */
    static Map<String, String> page(Reply reply) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(200);
        return reply.lines();
    }

    private static void assertPage(Reply reply, String key, String value) {
        assertThat(reply.status()).as("status of a page that should show %s=%s: %s", key, value, reply.body())
                .isEqualTo(200);
        assertThat(reply.lines()).as(reply.body()).containsEntry(key, value);
    }

    /** This node's listener events about the given session ids. */
    private List<String> events(ContainerNode node, String... ids) {
        Reply reply = Browser.withoutCookies(http).get(node, "events");
        assertThat(reply.status()).isEqualTo(200);
        return reply.body().lines()
                .filter(line -> Stream.of(ids).anyMatch(id -> line.contains(" " + id)))
                .map(line -> line.strip())
                .toList();
    }

    /** The Set-Cookie carrying session {@code id} (Jetty's cookie adds its node name to the id). */
    static SetCookie sessionCookie(Reply reply, String id) {
        return reply.setCookies().stream().map(SetCookie::parse)
                .filter(c -> c.value().equals(id) || c.value().startsWith(id + "."))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Set-Cookie carries the session id; got " + reply.setCookies()));
    }

    private static String nextLink(Reply reply) {
        return link(reply, "next");
    }

    /** The href of the page's link with this id. */
    private static String link(Reply reply, String id) {
        Matcher link = Pattern.compile("id=\"" + id + "\" href=\"([^\"]+)\"").matcher(reply.body());
        assertThat(link.find()).as("a link %s in %s", id, reply.body()).isTrue();
        return link.group(1).replace("&amp;", "&");
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        assertThat(from).as("%s in %s", start, text).isNotNegative();
        int to = text.indexOf(end, from + start.length());
        return text.substring(from + start.length(), to);
    }
}
