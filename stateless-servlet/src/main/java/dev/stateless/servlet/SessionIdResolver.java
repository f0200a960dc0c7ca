package dev.stateless.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;

/**
 * How a session id travels between client and server: in a cookie (browsers) or a header (APIs).
 * Implementations are immutable and thread-safe.
 */
public interface SessionIdResolver {

    /**
     * The candidate ids the client sent, first the preferred one; raw text that has not been
     * checked yet. Empty when the client sent none.
     *
     * @param request the request
     * @return the ids the request carries, in the order to try them
     */
    List<String> resolve(HttpServletRequest request);

    /**
     * Tells the client its session id (a new session, or a changed id).
     *
     * @param request the request
     * @param response its response
     * @param sessionId the id to send
     */
    void write(HttpServletRequest request, HttpServletResponse response, String sessionId);

    /**
     * Tells the client to forget its session id (the session was invalidated).
     *
     * @param request the request
     * @param response its response
     */
    void expire(HttpServletRequest request, HttpServletResponse response);

    /**
     * The session version the client last saw (see {@code SessionStore.load(id, knownVersion)}): a
     * node serves the session from its near cache only when its copy is at least that new, so a
     * client reads its own writes on any node. 0 when the client sent none or sent something that
     * is not a version (never an error). The default carries none.
     *
     * @param request the request
     * @return the version the client sent, or 0
     */
    default long resolveVersion(HttpServletRequest request) {
        return 0;
    }

    /**
     * Tells the client the session's version (after a save, or a load that found a newer one);
     * called before the response is committed. The default sends nothing.
     *
     * @param request the request
     * @param response its response
     * @param version the version to send, 1 or more
     */
    default void writeVersion(HttpServletRequest request, HttpServletResponse response, long version) {
    }

    /**
     * Whether ids travel in a cookie (for {@code isRequestedSessionIdFromCookie}).
     *
     * @return whether ids travel in cookies (so the container's URL rewriting may apply)
     */
    boolean usesCookies();

    /**
     * A cookie named {@code SESSION}, {@code HttpOnly}, {@code SameSite=Lax}, path {@code /}.
     *
     * @return the cookie resolver with the defaults
     */
    static SessionIdResolver cookie() {
        return CookieSessionIdResolver.builder().build();
    }

    /**
     * The header {@code X-Session-Id}, sent back on the response that creates or changes the id.
     *
     * @return a resolver reading the {@code X-Session-Id} header
     */
    static SessionIdResolver header() {
        return header("X-Session-Id");
    }

    /**
     * A resolver that carries the session id in a request and response header.
     *
     * @param name the name
     * @return the SessionIdResolver
     */
    static SessionIdResolver header(String name) {
        return new HeaderSessionIdResolver(name);
    }
}
