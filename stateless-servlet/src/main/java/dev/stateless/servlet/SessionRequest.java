package dev.stateless.servlet;

import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.core.session.SessionStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request the application sees: its session methods work on the {@link SessionStore}. The
 * stored session is loaded on the first {@code getSession} call (a request that never asks costs
 * no Redis call) and saved by {@link #save()}.
 */
final class SessionRequest extends HookedAsyncRequest {

    private static final Logger log = LoggerFactory.getLogger(SessionRequest.class);

    private final HttpServletResponse response;
    private final SessionStore store;
    private final SessionIdResolver ids;
    private final Function<HttpServletRequest, Optional<String>> principals;
    private final SessionOptions options;

    private boolean resolved;
    private Sent sent;
    private String requestedId;
    private boolean requestedFromUrl;
    private SessionId requestedValidId;
    private StatelessHttpSession session;
    /** Whether this request changed its session's id already. */
    private boolean rotated;
    /** Whether this request touched its session already (it never asked for it). */
    private boolean touched;
    /** The session version this response sent the client, 0 while it sent none. */
    private long toldVersion;
    /** Above zero while the principal is being asked for (see {@link #principal()}). */
    private int askingForPrincipal;
    /**
     * Whether this request's session is the container's own (the rollout left it there): every
     * session method then is the container's.
     */
    private boolean containerSide;
    /** The container session this request adopted, ended after the save when the migration says so. */
    private SessionMigration.Adoption adoption;

    SessionRequest(HttpServletRequest request, HttpServletResponse response, SessionStore store,
            SessionIdResolver ids, Function<HttpServletRequest, Optional<String>> principals, SessionOptions options) {
        super(request);
        this.response = response;
        this.store = store;
        this.ids = ids;
        this.principals = principals;
        this.options = options;
    }

    /**
     * The ids the client sent, preferred first: the resolver's (cookie or header), then the URL's.
     *
     * @param fromResolver how many of them came through the resolver
     */
    private record Sent(List<String> all, int fromResolver, long version) {
    }

    /** What the client sent, read once: it does not change during the request. */
    private synchronized Sent sent() {
        if (sent == null) {
            HttpServletRequest request = (HttpServletRequest) getRequest();
            List<String> all = ids.resolve(request);
            int fromResolver = all.size();
            if (options.urlTracking()) {
                Optional<String> fromUrl = UrlSessionIds.fromRequest(request);
                if (fromUrl.isPresent()) {
                    all = new ArrayList<>(all);
                    all.add(fromUrl.get());
                }
            }
            sent = new Sent(all, fromResolver, ids.resolveVersion(request));
        }
        return sent;
    }

    /** Reads the id the client sent and loads its session, once. */
    private void resolve() {
        if (resolved) {
            return;
        }
        List<String> candidates = sent().all();
        int viaResolver = sent().fromResolver();
        requestedId = candidates.isEmpty() ? null : candidates.get(0);
        requestedFromUrl = viaResolver == 0 && requestedId != null;
        for (int n = 0; n < candidates.size(); n++) {
            String candidate = candidates.get(n);
            Optional<SessionId> id = SessionId.parse(candidate);
            if (id.isEmpty()) {
                continue; // forged or malformed: never sent to the store
            }
            Optional<SessionLock> lock = options.lockFor((HttpServletRequest) getRequest());
            // The version the client carries is that of its preferred id: only that one may be
            // served from a near cache (a copy at least as new as the client's last write).
            Optional<SessionData> loaded = lock.isPresent() ? store.load(id.get(), lock.get())
                    : load(candidate, id.get(), n == 0 && viaResolver > 0 ? sent().version() : 0);
            if (loaded.isPresent() && belongsToAnotherUser(loaded.get())) {
                log.debug("Session {} belongs to another user than the request's; not used", id.get());
                if (loaded.get().lockToken().isPresent()) {
                    store.unlock(loaded.get());
                }
                continue;
            }
            if (loaded.isPresent()) {
                requestedId = candidate;
                requestedFromUrl = n >= viaResolver;
                requestedValidId = id.get();
                session = newView(loaded.get());
                break;
            }
        }
        resolved = true;
        HttpServletRequest original = (HttpServletRequest) getRequest();
        HttpSession container = SessionMigration.containerSession(original);
        if (session != null) {
            if (container != null) {
                try {
                    adoption = options.migration().resume(container, session).orElse(null);
                } catch (IllegalStateException e) {
                    // the container's session ended meanwhile: nothing of it to pick up
                }
            }
        } else if (container != null && !admits(container, original)) {
            containerSide = true;
        }
        if (session != null && firstLogin(session)) {
            rotate(session);
        }
    }

    /** Whether the rollout lets this request's container session become (adopted into) one of ours. */
    /** A plain load: the one a filter in front started for this request (see {@link SessionPrefetch}), else now. */
    private Optional<SessionData> load(String candidate, SessionId id, long version) {
        Optional<java.util.concurrent.CompletableFuture<Optional<SessionData>>> started =
                SessionPrefetch.take(getRequest(), store, candidate, version);
        return started.isPresent() ? await(started.get()) : store.load(id, version);
    }

    private boolean admits(HttpSession container, HttpServletRequest original) {
        SessionMigration.Mark mark = SessionMigration.mark(container);
        if (mark != null && mark.containerSide() && options.migration().config().rollout().percentNow() < 100) {
            return false; // chose the container's side, and keeps it
        }
        Rollout rollout = options.migration().config().rollout();
        int percent = rollout.percentNow();
        return percent > 0 && rollout.accepts(original) && Rollout.admits(percent, container.getId());
    }

    /** Whether a client with no session at all starts one of ours (else the container's). */
    private boolean admitsNewClient(HttpServletRequest original) {
        Rollout rollout = options.migration().config().rollout();
        int percent = rollout.percentNow();
        if (percent <= 0 || !rollout.accepts(original)) {
            return false;
        }
        return percent >= 100 || java.util.concurrent.ThreadLocalRandom.current().nextInt(100) < percent;
    }

    /**
     * Whether the request is authenticated and its stored session has no owner yet: the moment a
     * planted id would start reading a victim's session (session fixation), so the id changes.
     */
    private boolean firstLogin(StatelessHttpSession current) {
        return options.rotateIdOnLogin() && !rotated && current.storedWithoutOwner() && principal().isPresent()
                && !response.isCommitted();
    }

    private StatelessHttpSession newView(SessionData data) {
        return new StatelessHttpSession(store, data, getServletContext(), options.events(), this::endContainerSession);
    }

    /**
     * Invalidating the session also ends the container's own session of this request, if it has
     * one: container-managed login (FORM) keeps the login there, and a "log off" must end it.
     */
    private void endContainerSession() {
        try {
            HttpSession own = ((HttpServletRequest) getRequest()).getSession(false);
            if (own != null) {
                own.invalidate();
            }
        } catch (IllegalStateException e) {
            // already invalidated
        }
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
        Optional<String> current = principal();
        return current.isPresent() && !current.get().equals(owner.get());
    }

    /**
     * The request's principal. Asking for it may call back into {@link #getSession} (Jetty's
     * deferred FORM authentication looks up its login in the session of the outermost request):
     * such calls get the container's own session, where container login lives, never ours.
     */
    private Optional<String> principal() {
        synchronized (this) {
            askingForPrincipal++;
        }
        try {
            return principals.apply((HttpServletRequest) getRequest());
        } finally {
            synchronized (this) {
                askingForPrincipal--;
            }
        }
    }

    @Override
    public HttpSession getSession(boolean create) {
        HttpSession container;
        String adoptedFrom = null;
        synchronized (this) {
            if (askingForPrincipal > 0) {
                return super.getSession(create);
            }
            resolve();
            if (containerSide) {
                return super.getSession(create);
            }
            if (session != null && !session.isInvalid()) {
                return session;
            }
            HttpServletRequest original = (HttpServletRequest) getRequest();
            container = SessionMigration.containerSession(original);
            if (container == null && create && !response.isCommitted() && !admitsNewClient(original)) {
                containerSide = true;
                HttpSession own = super.getSession(true);
                if (options.migration().config().rollout().percentNow() > 0) {
                    options.migration().markContainerSide(own);
                }
                return own;
            }
            // A user logged in by the container has a session in the application's eyes: the one
            // the container's login made. Ours starts here, so that the application's "log off"
            // (getSession(false).invalidate()) finds a session and ends that login too.
            if (!create && (response.isCommitted() || container == null)) {
                return null;
            }
            if (response.isCommitted()) {
                throw new IllegalStateException("cannot create a session after the response has been committed");
            }
            session = newView(store.newSession());
            options.initialIdleTimeout().ifPresent(session::initialIdleTimeout);
            if (container != null && options.migration().config().adopt() && !options.migration().adoptedBefore(container)) {
                try {
                    adoption = options.migration().adopt(container, session);
                    adoptedFrom = container.getId();
                } catch (IllegalStateException e) {
                    // the container's session ended meanwhile: a new, empty session of ours
                }
            }
        }
        if (options.cookieTracking() || !ids.usesCookies()) {
            ids.write((HttpServletRequest) getRequest(), response, session.getId());
        }
        if (adoptedFrom != null) {
            // For the application the same session goes on, under another id.
            options.events().idChanged(session, adoptedFrom);
        } else {
            options.events().created(session);
        }
        return session;
    }

    @Override
    public HttpSession getSession() {
        return getSession(true);
    }

    @Override
    public String changeSessionId() {
        StatelessHttpSession current;
        synchronized (this) {
            resolve();
            if (containerSide) {
                return super.changeSessionId();
            }
            current = session != null && !session.isInvalid() ? session : null;
        }
        if (current == null) {
            throw new IllegalStateException("changeSessionId: the request has no session");
        }
        return rotate(current);
    }

    /** Gives the session a new id, keeping its attributes (session fixation protection). */
    private String rotate(StatelessHttpSession current) {
        synchronized (this) {
            rotated = true;
        }
        SessionId oldId = current.sessionId();
        SessionId newId = SessionId.generate();
        boolean moved = store.changeId(oldId, newId);
        current.changeId(newId, moved);
        HttpSession container = SessionMigration.containerSession((HttpServletRequest) getRequest());
        if (container != null) {
            options.migration().renamed(container, oldId.value(), newId.value());
        }
        if (options.cookieTracking() || !ids.usesCookies()) {
            ids.write((HttpServletRequest) getRequest(), response, newId.value());
        }
        options.events().idChanged(current, oldId.value());
        return newId.value();
    }

    @Override
    public String getRequestedSessionId() {
        synchronized (this) {
            if (containerSide) {
                return super.getRequestedSessionId();
            }
            if (!resolved) {
                List<String> candidates = sent().all();
                return candidates.isEmpty() ? null : candidates.get(0);
            }
            return requestedId;
        }
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        synchronized (this) {
            if (containerSide) {
                return super.isRequestedSessionIdValid();
            }
            resolve();
            return requestedValidId != null && session != null && !session.isInvalid()
                    && session.sessionId().equals(requestedValidId);
        }
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        synchronized (this) {
            if (containerSide) {
                return super.isRequestedSessionIdFromCookie();
            }
            if (!resolved) {
                return ids.usesCookies() && sent().fromResolver() > 0;
            }
            return ids.usesCookies() && requestedId != null && !requestedFromUrl;
        }
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        synchronized (this) {
            if (containerSide) {
                return super.isRequestedSessionIdFromURL();
            }
            if (!resolved) {
                return sent().fromResolver() == 0 && !sent().all().isEmpty();
            }
            return requestedId != null && requestedFromUrl;
        }
    }

    /**
     * {@code encodeURL}: adds the session id to links into the application while URL tracking is on
     * and the client has not shown that it keeps cookies; the container's own answer otherwise.
     */
    String encodeUrl(String url, UnaryOperator<String> containerEncoding) {
        StatelessHttpSession current;
        synchronized (this) {
            current = containerSide ? null : session;
        }
        if (current == null || current.isInvalid()) {
            return containerEncoding.apply(url);
        }
        if (!options.urlTracking() || (ids.usesCookies() && isRequestedSessionIdFromCookie())) {
            return url;
        }
        return UrlSessionIds.encode((HttpServletRequest) getRequest(), url, current.getId());
    }

    /**
     * A request that carries a session id but never asks for the session (a static page) is an
     * access too (Servlet 7.6): the idle expiry is refreshed without the request waiting for it.
     */
    private void touchIfUnused() {
        synchronized (this) {
            if (resolved || touched) {
                return;
            }
            touched = true;
        }
        for (String candidate : sent().all()) {
            Optional<SessionId> id = SessionId.parse(candidate);
            if (id.isPresent()) {
                if (options.recentTouches().shouldTouch(id.get())) {
                    store.touch(id.get()).whenComplete((ignored, failure) -> {
                        if (failure != null) {
                            log.debug("Touching a session failed: {}", failure.toString());
                        }
                    });
                }
                return;
            }
        }
    }

    /**
     * What is stored now reaches the container's session: an adoption is marked there (or ends it),
     * and with write-through on it gets a copy, for a rollback.
     *
     * @param saved what was saved, or null when nothing needed saving
     */
    private void afterSave(StatelessHttpSession current, SessionChanges saved) {
        SessionMigration.Adoption adopted;
        synchronized (this) {
            adopted = adoption;
            adoption = null;
        }
        if (adopted != null) {
            options.migration().saved(adopted, current, (HttpServletRequest) getRequest());
        }
        if (!options.migration().config().writeThrough() || current.isInvalid()) {
            return;
        }
        HttpServletRequest original = (HttpServletRequest) getRequest();
        HttpSession container = SessionMigration.containerSession(original);
        if (container == null) {
            if (response.isCommitted()) {
                return; // its cookie could not be sent; the next request of the session makes the copy
            }
            try {
                container = original.getSession(true);
            } catch (IllegalStateException e) {
                return;
            }
        }
        options.migration().mirror(container, current, saved);
    }

    /**
     * Waits for the store as its synchronous methods do, with their failures thrown as they are.
     */
    private static <T> T await(java.util.concurrent.CompletableFuture<T> answer) {
        try {
            return answer.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * Sends the client the version of its session when it differs from the one it carries (a save,
     * or a load that found a newer one), so that its next request, on any node, is served from a near
     * cache only by a copy that holds what it has seen. A committed response cannot carry it: the
     * client keeps the older version, and until the near cache's max age a node holding a copy of
     * that older version may answer with it (a save after the commit: see the module README).
     */
    private void tellVersion(StatelessHttpSession current) {
        long version = current.version();
        long carried;
        synchronized (this) {
            carried = toldVersion > 0 ? toldVersion : sent().version();
            if (version <= 0 || version == carried || response.isCommitted()
                    || (ids.usesCookies() && !options.cookieTracking())) {
                return;
            }
            toldVersion = version;
        }
        ids.writeVersion((HttpServletRequest) getRequest(), response, version);
    }

    /**
     * Saves what the request changed, if anything; safe to call more than once. While a filter in
     * front holds a {@link CommitGroup} open for this request, the save waits for it, to go out
     * together with that filter's write.
     */
    void save() {
        if (CommitGroup.defer(getRequest(), this)) {
            return;
        }
        startSave().finish();
    }

    /** A save sent to the store, and what follows once it answered. */
    record PendingSave(java.util.concurrent.CompletableFuture<Long> written, java.util.function.LongConsumer then) {
        static final PendingSave NONE = new PendingSave(java.util.concurrent.CompletableFuture.completedFuture(0L), v -> {
        });

        /** Waits for the store and finishes the save; its failures are thrown as the store's are. */
        void finish() {
            then.accept(await(written));
        }
    }

    /** Sends what the request changed to the store, without waiting for its answer. */
    PendingSave startSave() {
        StatelessHttpSession current;
        synchronized (this) {
            if (containerSide) {
                return PendingSave.NONE;
            }
            current = session;
        }
        if (current == null) {
            // Before the answer is committed, so that the client's next request, on this node's
            // connection, finds the touch applied.
            touchIfUnused();
            return PendingSave.NONE;
        }
        if (current.isInvalid()) {
            if (!response.isCommitted()) {
                ids.expire((HttpServletRequest) getRequest(), response);
            }
            synchronized (this) {
                session = null;
            }
            return PendingSave.NONE;
        }
        // Logged in after the session was loaded (a login servlet): rotate before the owner is
        // recorded, unless links with the old id are already written (URL ids: rotated at load only).
        if (!requestedFromUrl && firstLogin(current)) {
            rotate(current);
        }
        Optional<SessionChanges> changes = current.changes(principal());
        if (changes.isEmpty()) {
            current.unlock(); // a request of a locked session that changed nothing still lets the next one in
            tellVersion(current);
            afterSave(current, null);
            return PendingSave.NONE;
        }
        SessionChanges saving = changes.get();
        return new PendingSave(store.saveAsync(saving), version -> {
            if (version > 0) {
                current.saved(saving, version);
                tellVersion(current);
                afterSave(current, saving);
            } else {
                log.debug("Session {} ended during the request (expired or invalidated elsewhere); not saved",
                        current.sessionId());
                current.lost();
            }
        });
    }
}
