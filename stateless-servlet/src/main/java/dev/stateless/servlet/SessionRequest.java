package dev.stateless.servlet;

import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request the application sees: its session methods work on the {@link SessionStore}. The
 * stored session is loaded on the first {@code getSession} call (a request that never asks costs
 * no Redis call) and saved by {@link #save()}.
 */
final class SessionRequest extends HttpServletRequestWrapper {

    private static final Logger log = LoggerFactory.getLogger(SessionRequest.class);

    private final HttpServletResponse response;
    private final SessionStore store;
    private final SessionIdResolver ids;
    private final Function<HttpServletRequest, Optional<String>> principals;

    private boolean resolved;
    private String requestedId;
    private SessionId requestedValidId;
    private StatelessHttpSession session;

    SessionRequest(HttpServletRequest request, HttpServletResponse response, SessionStore store,
            SessionIdResolver ids, Function<HttpServletRequest, Optional<String>> principals) {
        super(request);
        this.response = response;
        this.store = store;
        this.ids = ids;
        this.principals = principals;
    }

    /** Reads the id the client sent and loads its session, once. */
    private void resolve() {
        if (resolved) {
            return;
        }
        List<String> candidates = ids.resolve((HttpServletRequest) getRequest());
        requestedId = candidates.isEmpty() ? null : candidates.get(0);
        for (String candidate : candidates) {
            Optional<SessionId> id = SessionId.parse(candidate);
            if (id.isEmpty()) {
                continue; // forged or malformed: never sent to the store
            }
            Optional<SessionData> loaded = store.load(id.get());
            if (loaded.isPresent() && belongsToAnotherUser(loaded.get())) {
                log.debug("Session {} belongs to another user than the request's; not used", id.get());
                continue;
            }
            if (loaded.isPresent()) {
                requestedId = candidate;
                requestedValidId = id.get();
                session = new StatelessHttpSession(store, loaded.get(), getServletContext());
                break;
            }
        }
        resolved = true;
    }

    /**
     * A session recorded for one user is never handed to another authenticated user (a shared
     * browser, a stolen cookie): for them it does not exist. Anonymous requests keep it, as the
     * container's own sessions would.
     */
    private boolean belongsToAnotherUser(SessionData session) {
        Optional<String> owner = session.principal();
        if (owner.isEmpty()) {
            return false;
        }
        Optional<String> current = principals.apply((HttpServletRequest) getRequest());
        return current.isPresent() && !current.get().equals(owner.get());
    }

    @Override
    public HttpSession getSession(boolean create) {
        synchronized (this) {
            resolve();
            if (session != null && !session.isInvalid()) {
                return session;
            }
            if (!create) {
                return null;
            }
            if (response.isCommitted()) {
                throw new IllegalStateException("cannot create a session after the response has been committed");
            }
            session = new StatelessHttpSession(store, store.newSession(), getServletContext());
        }
        ids.write((HttpServletRequest) getRequest(), response, session.getId());
        return session;
    }

    @Override
    public HttpSession getSession() {
        return getSession(true);
    }

    @Override
    public String changeSessionId() {
        StatelessHttpSession current = (StatelessHttpSession) getSession(false);
        if (current == null) {
            throw new IllegalStateException("changeSessionId: the request has no session");
        }
        SessionId oldId = current.sessionId();
        SessionId newId = SessionId.generate();
        boolean moved = store.changeId(oldId, newId);
        current.changeId(newId, moved);
        ids.write((HttpServletRequest) getRequest(), response, newId.value());
        return newId.value();
    }

    @Override
    public String getRequestedSessionId() {
        synchronized (this) {
            if (!resolved) {
                List<String> candidates = ids.resolve((HttpServletRequest) getRequest());
                return candidates.isEmpty() ? null : candidates.get(0);
            }
            return requestedId;
        }
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        synchronized (this) {
            resolve();
            return requestedValidId != null && session != null && !session.isInvalid()
                    && session.sessionId().equals(requestedValidId);
        }
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        return ids.usesCookies() && getRequestedSessionId() != null;
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        return false;
    }

    /** Saves what the request changed, if anything; safe to call more than once. */
    void save() {
        StatelessHttpSession current;
        synchronized (this) {
            current = session;
        }
        if (current == null) {
            return;
        }
        if (current.isInvalid()) {
            if (!response.isCommitted()) {
                ids.expire((HttpServletRequest) getRequest(), response);
            }
            synchronized (this) {
                session = null;
            }
            return;
        }
        Optional<SessionChanges> changes = current.changes(principals.apply((HttpServletRequest) getRequest()));
        if (changes.isEmpty()) {
            return;
        }
        if (store.save(changes.get())) {
            current.saved(changes.get());
        } else {
            log.debug("Session {} ended during the request (expired or invalidated elsewhere); not saved",
                    current.sessionId());
            current.lost();
        }
    }
}
