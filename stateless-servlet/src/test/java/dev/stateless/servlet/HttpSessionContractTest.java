package dev.stateless.servlet;

import static dev.stateless.servlet.AbstractLegacyWebappTest.assertCookieConfigOfWebXml;
import static dev.stateless.servlet.AbstractLegacyWebappTest.page;
import static dev.stateless.servlet.AbstractLegacyWebappTest.sessionCookie;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.servlet.Browser.Reply;
import dev.stateless.servlet.Browser.SetCookie;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code HttpSession} behaviour the Jakarta Servlet TCK checks (its httpsession, httpsessionx,
 * binding-event, listener, SessionCookieConfig and requested-session-id tests, read for what they
 * check; the code is our own), each check on Jetty 12 and Tomcat 11 in three modes: the container's
 * own sessions (the baseline), {@link StatelessSessionFilter} declared in {@code web.xml} on the
 * in-memory store ({@code store-uri=memory:}) and on Redis.
 *
 * <p>The app is the legacy webapp fixture ({@link LegacyWebapp}); the server-side half of each check
 * is its {@code SessionChecksServlet} ({@code /check/NAME}), which reports what it observed. Where the
 * container's own sessions fail a check, that check is skipped for that container
 * ({@link BaselineGate}): where the container passes, we must pass.
 *
 * <p>One node per container and mode, started on first use and kept for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@WithRedis
class HttpSessionContractTest {

    private static final long CLOCK_SLACK_MILLIS = 1_000;
    /** How far apart two requests are made when a check tells their times apart. */
    private static final long SEPARATION_MILLIS = 20;

    enum Mode {
        CONTAINER("container's own sessions"),
        MEMORY("stateless filter, memory: store"),
        REDIS("stateless filter, Redis store");

        private final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    record Deployment(LegacyContainer container, Mode mode) {
        @Override
        public String toString() {
            return container + ", " + mode.label;
        }
    }

    private RedisServer redis;
    private HttpClient http;
    private final Map<Deployment, ContainerNode> nodes = new ConcurrentHashMap<>();
    private final BaselineGate gate = new BaselineGate();

    @BeforeAll
    void startRedis(RedisServer started) {
        redis = started;
        http = Browser.newHttpClient();
    }

    @AfterAll
    void stopEverything() {
        nodes.values().forEach(ContainerNode::close);
    }

    static Stream<Deployment> deployments() {
        return Stream.of(LegacyContainer.values())
                .flatMap(c -> Stream.of(Mode.values()).map(m -> new Deployment(c, m)));
    }

    private ContainerNode node(Deployment deployment) {
        return nodes.computeIfAbsent(deployment, d -> {
            try {
                return d.container().start(switch (d.mode()) {
                    case CONTAINER -> LegacyWebapp.withoutFilter();
                    case MEMORY -> LegacyWebapp.withFilter("memory:");
                    case REDIS -> LegacyWebapp.withFilter(redis.uri());
                });
            } catch (Exception e) {
                throw new IllegalStateException("could not start " + d, e);
            }
        });
    }

    private void verify(TestInfo test, Deployment deployment, Consumer<ContainerNode> check) {
        Deployment baseline = new Deployment(deployment.container(), Mode.CONTAINER);
        gate.verify(deployment.container() + " " + test.getTestMethod().orElseThrow().getName(),
                node(deployment), node(baseline), check);
    }

    private Browser browser() {
        return Browser.withCookies(http);
    }

    // ---- getCreationTime, getLastAccessedTime, getId, isNew

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void creationTimeIsWhenTheSessionWasCreatedAndNeverChanges(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            long before = System.currentTimeMillis();
            Map<String, String> created = page(browser.get(node, "check/create"));
            long after = System.currentTimeMillis();
            long creationTime = Long.parseLong(created.get("creationTime"));
            assertThat(creationTime).isBetween(before - CLOCK_SLACK_MILLIS, after + CLOCK_SLACK_MILLIS);
            assertThat(page(browser.get(node, "check/read"))).containsEntry("creationTime", Long.toString(creationTime));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void lastAccessedTimeIsTheTimeOfThePreviousRequest(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Map<String, String> created = page(browser.get(node, "check/create"));
            assertThat(created.get("lastAccessedTime")).as("a new session's last access is its creation")
                    .isEqualTo(created.get("creationTime"));
            long before = clockPast(System.currentTimeMillis() + SEPARATION_MILLIS);
            page(browser.get(node, "check/read"));
            Map<String, String> third = page(browser.get(node, "check/read"));
            // the container may note the access when it recycles the request, after the answer
            assertThat(Long.parseLong(third.get("lastAccessedTime"))).as("the second request's time")
                    .isBetween(before, Long.parseLong(third.get("before")));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aRequestForAStaticPageIsAnAccessToo(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Map<String, String> created = page(browser.get(node, "check/create"));
            long before = clockPast(System.currentTimeMillis() + SEPARATION_MILLIS);
            long scriptsBefore = scriptCalls();
            Reply index = browser.get(node, "index.html");
            assertThat(index.status()).isEqualTo(200);
            if (d.mode() == Mode.REDIS) {
                // The static request's touch goes out asynchronously (the request never waits for it):
                // the access is recorded once Redis has run it.
                awaitScriptCallsAbove(scriptsBefore);
            }
            Map<String, String> read = page(browser.get(node, "check/read"));
            assertThat(Long.parseLong(read.get("lastAccessedTime"))).as("the static page's request time (Servlet 7.6)")
                    .isBetween(before, Long.parseLong(read.get("before")));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void theIdIsTheOneTheClientCarriesAndStaysTheSame(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Reply created = browser.get(node, "check/create");
            String id = page(created).get("id");
            assertThat(id).isNotBlank();
            SetCookie cookie = sessionCookie(created, id);
            Map<String, String> read = page(browser.get(node, "check/read"));
            assertThat(read).containsEntry("id", id).containsEntry("requestedSessionId", cookie.value());
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aSessionIsNewUntilTheClientJoinsIt(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Map<String, String> created = page(browser.get(node, "check/create"));
            assertThat(created).containsEntry("new", "true");
            assertThat(page(browser.get(node, "check/read"))).containsEntry("new", "false");
            Map<String, String> stranger = page(browser().get(node, "check/create"));
            assertThat(stranger).containsEntry("new", "true");
            assertThat(stranger.get("id")).isNotEqualTo(created.get("id"));
        });
    }

    // ---- invalidate

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void anInvalidatedSessionThrowsIllegalStateExceptionFromEveryMethodButGetId(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Reply reply = browser.get(node, "check/invalidated");
            Map<String, String> seen = page(reply);
            for (String method : List.of("getCreationTime", "getLastAccessedTime", "getAttribute", "getAttributeNames",
                    "setAttribute", "removeAttribute", "isNew", "invalidate")) {
                assertThat(seen).as(method + " after invalidate()").containsEntry(method, "IllegalStateException");
            }
            assertThat(seen).as("getId after invalidate()").containsEntry("getIdSame", "true");
            assertThat(seen).as("getSession(false) after invalidate()").containsEntry("getSessionFalse", "null");
            assertThat(seen).as("getSession(true) after invalidate()")
                    .containsEntry("freshIsNew", "true").containsEntry("freshIdDiffers", "true").containsEntry("freshHasX", "false");
            sessionCookie(reply, seen.get("id"));
            String old = seen.get("old");
            assertThat(lifecycle(node, old)).as("a session created and invalidated in one request")
                    .containsExactlyInAnyOrder("created " + old, "annotated-created " + old,
                            "destroyed " + old, "annotated-destroyed " + old);
            assertThat(events(node, old).stream().filter(e -> e.matches("(added|replaced|removed) .*")))
                    .containsExactly("added " + old + " x=1", "removed " + old + " x=1");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void anInvalidatedSessionIsGoneForTheNextRequestThatNamesIt(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Reply created = browser.get(node, "check/create?set=x&value=1");
            SetCookie cookie = sessionCookie(created, page(created).get("id"));
            assertThat(page(browser.get(node, "check/invalidate"))).containsEntry("invalidated", "true");
            browser.cookie(cookie.name(), cookie.value()); // a client that kept the old cookie
            Map<String, String> read = page(browser.get(node, "check/read"));
            assertThat(read).containsEntry("session", "none")
                    .containsEntry("requestedSessionId", cookie.value())
                    .containsEntry("requestedSessionIdValid", "false")
                    .containsEntry("fromCookie", "true");
        });
    }

    // ---- attributes

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void attributeNamesListWhatIsSetAndSettingNullRemoves(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Map<String, String> seen = page(browser.get(node, "check/attributes"));
            assertThat(seen).containsEntry("namesAfterSet", "a,b")
                    .containsEntry("namesAfterSetNull", "b")
                    .containsEntry("aAfterSetNull", "null")
                    .containsEntry("removeMissing", "ok");
            Map<String, String> read = page(browser.get(node, "check/read"));
            assertThat(read).containsEntry("names", "b").containsEntry("attribute.b", "2");
            assertThat(events(node, seen.get("id")).stream().filter(e -> !e.contains("created")))
                    .as("setAttribute(name, null) is removeAttribute(name)")
                    .containsExactly("added " + seen.get("id") + " a=1", "added " + seen.get("id") + " b=2",
                            "removed " + seen.get("id") + " a=1");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void theAttributeListenerHearsAddedReplacedAndRemovedWithTheOldValue(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            String id = page(browser.get(node, "attr?set=k&value=v1")).get("id");
            page(browser.get(node, "attr?set=k&value=v2"));
            page(browser.get(node, "attr?remove=k"));
            page(browser.get(node, "attr?remove=k"));
            page(browser.get(node, "attr?set=k&value=v3"));
            page(browser.get(node, "check/invalidate"));
            assertThat(events(node, id).stream().filter(e -> e.matches("(added|replaced|removed) .*")))
                    .containsExactly("added " + id + " k=v1", "replaced " + id + " k=v1", "removed " + id + " k=v2",
                            "added " + id + " k=v3", "removed " + id + " k=v3");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aBindingListenerIsBoundAndUnboundOnceOnReplaceAndRemove(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            String id = page(browser().get(node, "check/bind?name=t&steps=one,two,remove")).get("id");
            List<String> binding = events(node, id).stream().filter(e -> e.startsWith("value")).toList();
            assertThat(binding).containsExactlyInAnyOrder("valueBound " + id + " t one", "valueBound " + id + " t two",
                    "valueUnbound " + id + " t one", "valueUnbound " + id + " t two");
            assertThat(binding.indexOf("valueBound " + id + " t one")).isLessThan(binding.indexOf("valueUnbound " + id + " t one"));
            assertThat(binding.indexOf("valueBound " + id + " t two")).isLessThan(binding.indexOf("valueUnbound " + id + " t two"));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aBindingListenerKeptAcrossRequestsIsUnboundOnRemoveAndOnInvalidate(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            String id = page(browser.get(node, "check/bind?name=t&steps=one")).get("id");
            page(browser.get(node, "check/bind?name=t&steps=remove"));
            page(browser.get(node, "check/bind?name=t&steps=two"));
            page(browser.get(node, "check/invalidate"));
            assertThat(events(node, id).stream().filter(e -> e.startsWith("value")))
                    .containsExactly("valueBound " + id + " t one", "valueUnbound " + id + " t one",
                            "valueBound " + id + " t two", "valueUnbound " + id + " t two");
        });
    }

    // ---- session and id listeners

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void sessionListenersHearCreatedOnceAndDestroyedOnceOnInvalidate(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            String id = page(browser.get(node, "check/create")).get("id");
            page(browser.get(node, "check/read"));
            assertThat(lifecycle(node, id)).containsExactlyInAnyOrder("created " + id, "annotated-created " + id);
            page(browser.get(node, "check/invalidate"));
            assertThat(lifecycle(node, id)).containsExactlyInAnyOrder("created " + id, "annotated-created " + id,
                    "destroyed " + id, "annotated-destroyed " + id);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void sessionDestroyedIsHeardBeforeTheAttributesAreUnbound(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            String id = page(browser.get(node, "check/bind?name=t&steps=one")).get("id");
            page(browser.get(node, "check/invalidate"));
            List<String> events = events(node, id);
            assertThat(events).contains("destroyed " + id, "valueUnbound " + id + " t one", "removed " + id + " t=token(one)");
            assertThat(events.indexOf("destroyed " + id)).as("sessionDestroyed before unbinding, in %s", events)
                    .isLessThan(events.indexOf("valueUnbound " + id + " t one"))
                    .isLessThan(events.indexOf("removed " + id + " t=token(one)"));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void changeSessionIdKeepsTheAttributesAndTellsTheIdListener(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Reply created = browser.get(node, "check/create?set=k&value=v");
            SetCookie oldCookie = sessionCookie(created, page(created).get("id"));
            Reply changed = browser.get(node, "check/change-id");
            Map<String, String> seen = page(changed);
            String oldId = seen.get("old");
            String newId = seen.get("new");
            assertThat(newId).isNotEqualTo(oldId);
            assertThat(seen).containsEntry("getId", newId).containsEntry("requestGetSessionId", newId).containsEntry("k", "v");
            sessionCookie(changed, newId);
            assertThat(events(node, oldId, newId).stream().filter(e -> e.startsWith("idChanged")))
                    .containsExactly("idChanged " + oldId + " " + newId);
            assertThat(events(node, oldId, newId).stream().filter(e -> e.matches("(annotated-)?(created|destroyed) .*")))
                    .as("a new id is not a new session")
                    .containsExactlyInAnyOrder("created " + oldId, "annotated-created " + oldId);
            assertThat(page(browser.get(node, "check/read"))).containsEntry("id", newId).containsEntry("attribute.k", "v");
            Browser stale = browser().cookie(oldCookie.name(), oldCookie.value());
            assertThat(page(stale.get(node, "check/read"))).containsEntry("session", "none");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void changeSessionIdWithoutASessionThrowsIllegalStateException(Deployment d, TestInfo test) {
        verify(test, d, node -> assertThat(page(browser().get(node, "check/change-id")))
                .containsEntry("changeSessionId", "IllegalStateException"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aSessionCannotBeCreatedOnceTheResponseIsCommitted(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Reply reply = browser().get(node, "check/create-after-commit");
            assertThat(page(reply)).containsEntry("committed", "true").containsEntry("getSession", "IllegalStateException");
            assertThat(reply.setCookies()).isEmpty();
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aChangeMadeAfterTheResponseIsCommittedIsKept(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            page(browser.get(node, "check/create"));
            page(browser.get(node, "check/set-after-commit"));
            assertThat(page(browser.get(node, "check/read"))).containsEntry("attribute.late", "after the answer was sent");
        });
    }

    // ---- the requested session id

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aRequestWithoutAnIdHasNoRequestedSessionId(Deployment d, TestInfo test) {
        verify(test, d, node -> assertThat(page(browser().get(node, "check/read")))
                .containsEntry("session", "none")
                .containsEntry("requestedSessionId", "null")
                .containsEntry("requestedSessionIdValid", "false")
                .containsEntry("fromCookie", "false")
                .containsEntry("fromURL", "false"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void anIdFromACookieIsRequestedValidAndFromTheCookie(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            Reply created = browser.get(node, "check/create");
            SetCookie cookie = sessionCookie(created, page(created).get("id"));
            assertThat(page(browser.get(node, "check/read")))
                    .containsEntry("requestedSessionId", cookie.value())
                    .containsEntry("requestedSessionIdValid", "true")
                    .containsEntry("fromCookie", "true")
                    .containsEntry("fromURL", "false");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void anIdTheServerNeverGaveIsRequestedButNotValid(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Reply created = browser().get(node, "check/create");
            String name = sessionCookie(created, page(created).get("id")).name();
            Browser stranger = browser().cookie(name, "MadeUpByTheClient0123456789");
            assertThat(page(stranger.get(node, "check/read")))
                    .containsEntry("session", "none")
                    .containsEntry("requestedSessionId", "MadeUpByTheClient0123456789")
                    .containsEntry("requestedSessionIdValid", "false")
                    .containsEntry("fromCookie", "true");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void anIdFromAnEncodedUrlIsRequestedValidAndFromTheUrl(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser cookieless = Browser.withoutCookies(http);
            Map<String, String> encoded = page(cookieless.get(node, "check/encode?create=true&url=read"));
            String id = encoded.get("id");
            String link = encoded.get("encodeURL");
            assertThat(link).as("encodeURL for a client that sent no cookie").startsWith("read").contains(id);
            Map<String, String> read = page(cookieless.get(node, "check/" + link));
            assertThat(read).containsEntry("id", id)
                    .containsEntry("requestedSessionIdValid", "true")
                    .containsEntry("fromURL", "true")
                    .containsEntry("fromCookie", "false");
            assertThat(read.get("requestedSessionId")).startsWith(id);
        });
    }

    // ---- max inactive interval

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void maxInactiveIntervalIsTheSessionTimeoutUntilSetAndThenWhatWasSet(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            assertThat(page(browser.get(node, "check/max-inactive"))).containsEntry("maxInactiveInterval", "420");
            assertThat(page(browser.get(node, "check/max-inactive?set=100"))).containsEntry("maxInactiveInterval", "100");
            assertThat(page(browser.get(node, "check/max-inactive"))).containsEntry("maxInactiveInterval", "100");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void aZeroOrNegativeMaxInactiveIntervalMeansNeverAndReadsBack(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            assertThat(Integer.parseInt(page(browser.get(node, "check/max-inactive?set=0")).get("maxInactiveInterval")))
                    .as("after setMaxInactiveInterval(0)").isLessThanOrEqualTo(0);
            assertThat(Integer.parseInt(page(browser.get(node, "check/max-inactive")).get("maxInactiveInterval")))
                    .as("the next request after setMaxInactiveInterval(0)").isLessThanOrEqualTo(0);
            assertThat(page(browser.get(node, "check/max-inactive?set=-1"))).containsEntry("maxInactiveInterval", "-1");
            assertThat(page(browser.get(node, "check/max-inactive"))).containsEntry("maxInactiveInterval", "-1");
        });
    }

    // ---- context, cookie configuration

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void theSessionsServletContextIsTheAppsAndItsCookieConfigIsTheWebXmls(Deployment d, TestInfo test) {
        verify(test, d, node -> assertThat(page(browser().get(node, "check/context")))
                .containsEntry("sameContext", "true")
                .containsEntry("contextPath", LegacyWebapp.CONTEXT_PATH)
                .containsEntry("sessionTimeout", "7")
                .containsEntry("effectiveTrackingModes", "[COOKIE, URL]")
                .containsEntry("cookie.path", LegacyWebapp.CONTEXT_PATH + "/")
                .containsEntry("cookie.maxAge", "3600")
                .containsEntry("cookie.httpOnly", "true")
                .containsEntry("cookie.secure", "false")
                .containsEntry("cookie.SameSite", "Strict")
                .containsEntry("cookie.setPathAfterInit", "IllegalStateException"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void theSessionCookieIsWrittenAsTheCookieConfigSays(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Reply created = browser().get(node, "check/create");
            SetCookie cookie = sessionCookie(created, page(created).get("id"));
            assertCookieConfigOfWebXml(cookie);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void getSessionFalseCreatesNothingAndSetsNoCookie(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Reply reply = browser().get(node, "info?create=false");
            assertThat(page(reply)).containsEntry("session", "none");
            assertThat(reply.setCookies()).isEmpty();
        });
    }

    // ---- encodeURL, encodeRedirectURL

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void encodeUrlLeavesTheUrlAloneForAClientWithACookie(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Browser browser = browser();
            page(browser.get(node, "check/create"));
            assertThat(page(browser.get(node, "check/encode?url=read")))
                    .containsEntry("fromCookie", "true")
                    .containsEntry("encodeURL", "read")
                    .containsEntry("encodeRedirectURL", "read");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void encodeUrlCarriesTheIdForAClientThatSentNoCookie(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            Map<String, String> seen = page(Browser.withoutCookies(http).get(node, "check/encode?create=true&url=read"));
            String id = seen.get("id");
            assertThat(seen.get("encodeURL")).startsWith("read;").contains(id);
            assertThat(seen.get("encodeRedirectURL")).startsWith("read;").contains(id);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void encodeUrlLeavesTheUrlAloneWithoutASession(Deployment d, TestInfo test) {
        verify(test, d, node -> assertThat(page(Browser.withoutCookies(http).get(node, "check/encode?url=read")))
                .containsEntry("id", "null")
                .containsEntry("encodeURL", "read")
                .containsEntry("encodeRedirectURL", "read"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deployments")
    void encodeUrlLeavesAUrlOfAnotherSiteAlone(Deployment d, TestInfo test) {
        verify(test, d, node -> {
            String foreign = "http://elsewhere.example/x";
            assertThat(page(Browser.withoutCookies(http).get(node, "check/encode?create=true&url=" + foreign)))
                    .containsEntry("encodeURL", foreign)
                    .containsEntry("encodeRedirectURL", foreign);
        });
    }

    /**
     * Spins until the clock is past {@code millis}, so two requests' times differ (the container may
     * record an access when it recycles the request, after the answer is sent), as the TCK does;
     * nothing is asserted about durations.
     */
    /** How many scripts Redis has run (EVALSHA and EVAL). */
    private long scriptCalls() {
        return redis.calls("evalsha") + redis.calls("eval");
    }

    private void awaitScriptCallsAbove(long calls) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (scriptCalls() <= calls) {
            assertThat(System.nanoTime()).as("Redis ran the static request's touch").isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static long clockPast(long millis) {
        long now = System.currentTimeMillis();
        while (now <= millis) {
            Thread.onSpinWait();
            now = System.currentTimeMillis();
        }
        return now;
    }

    // ---- what the node's listeners recorded

    private List<String> events(ContainerNode node, String... ids) {
        Reply reply = Browser.withoutCookies(http).get(node, "events");
        assertThat(reply.status()).isEqualTo(200);
        return reply.body().lines()
                .map(String::strip)
                .filter(line -> Stream.of(ids).anyMatch(id -> (" " + line + " ").contains(" " + id + " ")))
                .toList();
    }

    private List<String> lifecycle(ContainerNode node, String id) {
        return events(node, id).stream().filter(e -> e.matches("(annotated-)?(created|destroyed) .*")).toList();
    }
}
