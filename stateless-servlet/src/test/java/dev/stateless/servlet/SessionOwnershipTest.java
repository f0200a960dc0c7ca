package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.SessionStore;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A session recorded for one user is never handed to another authenticated user. */
@WithRedis
class SessionOwnershipTest {

    private static RedisServer redis;
    private static SessionStore store;
    private static EmbeddedJetty server;
    /** The session filter first, the bearer filter after it: the order its Javadoc once advised. */
    private static EmbeddedJetty sessionsFirst;
    private static final byte[] SECRET = JwtKeys.generateHmacSecret();
    private static final JwtIssuer tokens = JwtIssuer.builder().hmacSecret(SECRET).issuer("https://issuer.test")
            .audience("api://notes").build();
    private static final HttpClient http = HttpClient.newHttpClient();

    /** Remembers a note in the session (POST ?note=), or shows it (GET). */
    static final class NoteServlet extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            request.getSession().setAttribute("note", request.getParameter("note"));
            if (request.getParameter("login") != null) {
                // an application's own login: it publishes the user for the session filter
                request.setAttribute(StatelessSessionFilter.PRINCIPAL_ATTRIBUTE, request.getParameter("login"));
            }
            response.getWriter().print(request.getSession().getId());
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            HttpSession session = request.getSession(false);
            response.getWriter().print(session == null ? "no session" : String.valueOf(session.getAttribute("note")));
        }
    }

    @BeforeAll
    static void start(RedisServer started) throws Exception {
        redis = started;
        store = RedisSessionStore.builder(redis.uri()).build();
        ServletContextHandler context = new ServletContextHandler();
        EnumSet<DispatcherType> requests = EnumSet.of(DispatcherType.REQUEST);
        context.addFilter(new FilterHolder(new IdempotencyFilterTest.UserFilter()), "/*", requests);
        context.addFilter(new FilterHolder(StatelessSessionFilter.builder(store).build()), "/*", requests);
        context.addServlet(new ServletHolder(new NoteServlet()), "/*");
        server = EmbeddedJetty.start(context);

        ServletContextHandler reversed = new ServletContextHandler();
        reversed.addFilter(new FilterHolder(StatelessSessionFilter.builder(store).build()), "/*", requests);
        reversed.addFilter(new FilterHolder(BearerTokenFilter.builder(JwtVerifier.builder().hmacSecret(SECRET)
                .issuers("https://issuer.test").audiences("api://notes").build()).build()), "/*", requests);
        reversed.addServlet(new ServletHolder(new NoteServlet()), "/*");
        sessionsFirst = EmbeddedJetty.start(reversed);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        sessionsFirst.close();
        store.close();
    }

    private static HttpResponse<String> send(String method, String query, String user, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port() + "/notes" + query))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (user != null) {
            request.header("X-User", user);
        }
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> sendWithToken(String method, String query, String subject, String cookie)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + sessionsFirst.port() + "/notes" + query))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + tokens.issue(subject));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sessionCookieOf(HttpResponse<String> response) {
        return response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("SESSION="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();
    }

    @Test
    void anotherUserPresentingTheCookieGetsNoSessionAndTheOwnerKeepsIt() throws Exception {
        HttpResponse<String> created = send("POST", "?note=alice-secret", "alice", null);
        String alicesCookie = sessionCookieOf(created);

        assertThat(send("GET", "", "bob", alicesCookie).body()).isEqualTo("no session");
        assertThat(send("GET", "", "alice", alicesCookie).body()).isEqualTo("alice-secret");
    }

    @Test
    void anotherUserWritingWithTheCookieGetsANewSessionAndCannotChangeTheOwners() throws Exception {
        String alicesCookie = sessionCookieOf(send("POST", "?note=alice-note", "alice", null));

        HttpResponse<String> bobs = send("POST", "?note=bob-note", "bob", alicesCookie);

        assertThat(sessionCookieOf(bobs)).isNotEqualTo(alicesCookie);
        assertThat(send("GET", "", "alice", alicesCookie).body()).isEqualTo("alice-note");
    }

    @Test
    void withTheSessionFilterBeforeTheBearerFilterAnotherUsersTokenStillGetsNoSession() throws Exception {
        String alicesCookie = sessionCookieOf(sendWithToken("POST", "?note=alice-secret", "alice", null));

        assertThat(sendWithToken("GET", "", "bob", alicesCookie).body()).isEqualTo("no session");
        HttpResponse<String> bobsWrite = sendWithToken("POST", "?note=bob-note", "bob", alicesCookie);
        assertThat(sessionCookieOf(bobsWrite)).isNotEqualTo(alicesCookie);
        assertThat(sendWithToken("GET", "", "alice", alicesCookie).body()).isEqualTo("alice-secret");
    }

    @Test
    void aSessionStartedAnonymouslyGetsANewIdWhenItsUserLogsInAndThePlantedIdIsDead() throws Exception {
        // The attacker starts a session and plants its id in the victim's browser.
        String planted = sessionCookieOf(send("POST", "?note=before-login", null, null));

        HttpResponse<String> loggedIn = send("GET", "", "alice", planted);

        assertThat(loggedIn.body()).as("the attributes are kept").isEqualTo("before-login");
        String rotated = sessionCookieOf(loggedIn);
        assertThat(rotated).isNotEqualTo(planted);
        assertThat(send("GET", "", null, planted).body()).as("the attacker's id").isEqualTo("no session");
        assertThat(send("GET", "", "alice", rotated).body()).isEqualTo("before-login");
        assertThat(send("GET", "", "alice", rotated).headers().allValues("Set-Cookie"))
                .as("rotated once, at the first authenticated request")
                .noneMatch(c -> c.startsWith("SESSION="));
    }

    @Test
    void aLoginDuringTheRequestRotatesTheIdBeforeTheOwnerIsRecorded() throws Exception {
        String planted = sessionCookieOf(send("POST", "?note=cart", null, null));

        // POST ?login=alice: the application authenticates the user itself during the request
        HttpResponse<String> loggedIn = send("POST", "?note=cart&login=alice", null, planted);

        String rotated = sessionCookieOf(loggedIn);
        assertThat(rotated).isNotEqualTo(planted);
        assertThat(send("GET", "", null, planted).body()).isEqualTo("no session");
        assertThat(send("GET", "", "alice", rotated).body()).isEqualTo("cart");
    }

    @Test
    void anAnonymousRequestKeepsUsingTheSessionLikeAContainerSessionWould() throws Exception {
        String alicesCookie = sessionCookieOf(send("POST", "?note=kept", "alice", null));

        assertThat(send("GET", "", null, alicesCookie).body()).isEqualTo("kept");
    }
}
