package dev.stateless.servlet;

import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a filter in front of {@link StatelessSessionFilter} (the {@link IdempotencyFilter}) start
 * the session's load before its own store call, so that the two share one round trip: the session
 * filter registers itself in the servlet context, the filter in front asks it to start the load for
 * a request, and the session filter takes the loaded session from the request when the
 * application first asks for it. A load nobody takes (a replayed answer) costs one store read and
 * is dropped.
 */
final class SessionPrefetch {

    private static final Logger log = LoggerFactory.getLogger(SessionPrefetch.class);
    private static final String CONTEXT_ATTRIBUTE = SessionPrefetch.class.getName();
    private static final String REQUEST_ATTRIBUTE = SessionPrefetch.class.getName() + ".loading";
    /** Registered when more than one session filter is in the context: nobody can tell which one serves a request. */
    private static final Object AMBIGUOUS = new Object();

    /** What a session filter does when asked to start a request's load. */
    interface Loader {
        /**
         * Starts loading the session the request carries, when this filter will serve it with a
         * plain load; does nothing otherwise.
         *
         * @param request the request, before this filter has wrapped it
         */
        void prefetch(HttpServletRequest request);
    }

    /** A load in flight: for which store, id and version it was started. */
    private record Loading(SessionStore store, String id, long version, CompletableFuture<Optional<SessionData>> loaded) {
    }

    private SessionPrefetch() {
    }

    /** A session filter's init: it is the context's loader, unless there is another one. */
    static synchronized void register(ServletContext context, Loader loader) {
        Object present = context.getAttribute(CONTEXT_ATTRIBUTE);
        context.setAttribute(CONTEXT_ATTRIBUTE, present == null || present == loader ? loader : AMBIGUOUS);
    }

    /** A session filter's destroy. */
    static synchronized void unregister(ServletContext context, Loader loader) {
        if (context.getAttribute(CONTEXT_ATTRIBUTE) == loader) {
            context.removeAttribute(CONTEXT_ATTRIBUTE);
        }
    }

    /** Asks the context's session filter, if there is exactly one, to start loading the request's session. */
    static void start(HttpServletRequest request) {
        if (request.getServletContext().getAttribute(CONTEXT_ATTRIBUTE) instanceof Loader loader) {
            loader.prefetch(request);
        }
    }

    /** Starts {@code store}'s load of {@code id} for {@code request}, to be taken by {@link #take}. */
    static void load(ServletRequest request, SessionStore store, SessionId id, long version) {
        CompletableFuture<Optional<SessionData>> loaded = store.loadAsync(id, version);
        loaded.exceptionally(failure -> {
            log.debug("A session load started ahead of the request failed: {}", failure.toString());
            return null;
        });
        request.setAttribute(REQUEST_ATTRIBUTE, new Loading(store, id.value(), version, loaded));
    }

    /**
     * The load started for this request of {@code id} at {@code version} on {@code store}, taken
     * from the request (it serves once); empty when none was started for exactly that.
     */
    static Optional<CompletableFuture<Optional<SessionData>>> take(ServletRequest request, SessionStore store, String id,
            long version) {
        if (!(request.getAttribute(REQUEST_ATTRIBUTE) instanceof Loading loading)) {
            return Optional.empty();
        }
        request.removeAttribute(REQUEST_ATTRIBUTE);
        if (loading.store() != store || !loading.id().equals(id) || loading.version() != version) {
            return Optional.empty();
        }
        return Optional.of(loading.loaded());
    }
}
