package dev.stateless.servlet;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.session.SessionLock;
import dev.stateless.core.session.SessionLockedException;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionStores;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletContext;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.util.Collections;
import java.util.EventListener;
import java.util.List;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the application's {@link jakarta.servlet.http.HttpSession} into a {@link SessionStore}
 * (Redis, usually), so that any node can serve any request. The application's code does not change:
 * {@code getSession()}, attributes, {@code invalidate()}, {@code changeSessionId()} all work as
 * before, on the shared store.
 *
 * <p>What it does per request: loads the session on the first {@code getSession} call (one round
 * trip), and writes only what changed, once, just before the response is committed (one round trip;
 * none when nothing changed). Values changed in place without {@code setAttribute} are saved too.
 * When the store is unreachable the client gets a {@code 503 application/problem+json} answer.
 *
 * <p>Register it after authentication and idempotency filters ({@code BearerTokenFilter}, then
 * {@code IdempotencyFilter}, then this one), programmatically:
 * <pre>{@code
 * SessionStore store = RedisSessionStore.builder("redis://localhost:6379").build();
 * FilterRegistration.Dynamic sessions = servletContext.addFilter("sessions", StatelessSessionFilter.builder(store).build());
 * sessions.setAsyncSupported(true);
 * sessions.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false, "/*");
 * }</pre>
 * The session's owner check and its id rotation at login do not depend on that order: they read
 * the principal through {@link #PRINCIPAL_ATTRIBUTE} when the application asks for the session.
 * or in {@code web.xml} with init parameters: {@code store-uri} (e.g. {@code redis://host:6379};
 * without it, a {@link SessionStore} in the servlet context attribute named
 * {@code dev.stateless.core.session.SessionStore} is used), {@code idle-timeout},
 * {@code absolute-timeout}, {@code touch-interval}, {@code command-timeout}, {@code key-prefix}
 * (durations as ISO-8601, {@code PT30M}, or seconds), {@code cookie-name}, {@code cookie-path},
 * {@code cookie-domain}, {@code cookie-secure}, {@code cookie-http-only}, {@code cookie-same-site},
 * {@code cookie-max-age}, or {@code header-name} to carry the id in a header instead of a cookie;
 * {@code url-rewriting}, {@code rotate-id-on-login}, {@code lock}, {@code lock-lease},
 * {@code lock-wait}, {@code lock-skip-paths}; the migration's {@code adopt}, {@code end-adopted},
 * {@code rollout-percent}, {@code write-through} (see {@link Migration}); and the codec's
 * {@code codec}, {@code codec-types} (see the module README); the store's near cache,
 * {@code near-cache-bytes} and {@code near-cache-max-age} (see the stateless-redis README). Defaults
 * come from the application's own session configuration.
 *
 * <p>The client also carries the version of its session it last saw (the cookie
 * {@code <cookie name>_VERSION}, or the header {@code <header name>-Version}), sent whenever it
 * changes: a store with a near cache answers from its copy only when that copy is at least that new,
 * so a client reads its own writes on any node.
 *
 * <p>Thread-safe; one instance serves all requests.
 */
public final class StatelessSessionFilter implements Filter {

    private static final Logger log = LoggerFactory.getLogger(StatelessSessionFilter.class);
    /**
     * Request attribute (a {@code String}) under which an authentication filter publishes the
     * name of the request's principal. The session filter reads it when the application asks for
     * the session and when it saves, so the session's owner is known in any filter order, also when
     * the authentication filter runs after this one. {@link BearerTokenFilter} sets it; set it from
     * your own authentication filter too.
     */
    public static final String PRINCIPAL_ATTRIBUTE = "dev.stateless.servlet.principal";

    private static final String APPLIED = StatelessSessionFilter.class.getName() + ".applied";

    private SessionStore store;
    private SessionIdResolver ids;
    private boolean urlRewriting = true;
    private boolean rotateIdOnLogin = true;
    private Function<HttpServletRequest, Optional<String>> principals;
    private boolean ownsStore;
    private SessionOptions options = SessionOptions.DEFAULTS;
    private Optional<SessionLock> lock = Optional.empty();
    private List<String> lockSkipPaths = List.of();
    private Migration migration;
    private SessionMigration migrating = new SessionMigration(Migration.defaults());
    private final SessionPrefetch.Loader prefetcher = this::prefetch;
    private ServletContext context;

    /** For {@code web.xml}: configured from init parameters in {@link #init(FilterConfig)}. */
    public StatelessSessionFilter() {
    }

    private StatelessSessionFilter(Builder builder) {
        this.store = builder.store;
        this.ids = builder.ids;
        this.urlRewriting = builder.urlRewriting;
        this.rotateIdOnLogin = builder.rotateIdOnLogin;
        this.principals = builder.principals;
        this.lock = Optional.ofNullable(builder.lock);
        this.lockSkipPaths = builder.lockSkipPaths;
        this.migration = builder.migration;
    }

    /**
     * Starts the configuration of a filter on {@code store}, which the caller keeps and closes.
     *
     * @param store where the sessions live
     * @return a builder
     */
    public static Builder builder(SessionStore store) {
        return new Builder(store);
    }

    /**
     * Reads the configuration: init parameters (for {@code web.xml}), and the application's own
     * session settings from the servlet context as defaults: {@code <session-timeout>}, the
     * session cookie configuration, the session tracking modes and the session listeners.
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        ServletContext context = config.getServletContext();
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : Collections.list(config.getInitParameterNames())) {
            params.put(name, config.getInitParameter(name));
        }
        try {
            Optional<Duration> initialIdle = Optional.empty();
            if (store == null) {
                String uri = params.remove("store-uri");
                Optional.ofNullable(params.remove("url-rewriting")).ifPresent(v -> urlRewriting = InitParameters.bool("url-rewriting", v));
                Optional.ofNullable(params.remove("rotate-id-on-login"))
                        .ifPresent(v -> rotateIdOnLogin = InitParameters.bool("rotate-id-on-login", v));
                ids = idResolverFrom(params, context);
                lockFrom(params);
                migration = migrationFrom(params, context);
                if (!params.containsKey("idle-timeout")) {
                    initialIdle = contextSessionTimeout(context);
                }
                if (uri != null) {
                    // Every other parameter is the store's (timeouts, codec, Redis options); it refuses unknown ones.
                    store = SessionStores.create(uri, params, webappClassLoader(context));
                    params.clear();
                    ownsStore = true;
                } else if (context.getAttribute(SessionStore.class.getName()) instanceof SessionStore s) {
                    store = s;
                } else {
                    throw new ServletException("StatelessSessionFilter needs the init parameter 'store-uri' or a "
                            + "SessionStore in the servlet context attribute '" + SessionStore.class.getName() + "'");
                }
                principals = Builder.USER_PRINCIPAL;
                if (!params.isEmpty()) {
                    throw new IllegalArgumentException("unknown init parameters " + params.keySet());
                }
            } else if (ids == null) { // no resolver given to the builder
                ids = idResolverFrom(new LinkedHashMap<>(), context);
            }
            Set<SessionTrackingMode> modes = trackingModes(context);
            boolean cookies = modes.isEmpty() || modes.contains(SessionTrackingMode.COOKIE);
            boolean urls = urlRewriting && modes.contains(SessionTrackingMode.URL);
            Optional<List<EventListener>> listeners = Containers.listeners(context);
            if (listeners.isEmpty()) {
                log.warn("StatelessSessionFilter: cannot find the application's session listeners on {}; "
                        + "HttpSessionListener and attribute listeners will not fire", context.getServerInfo());
            }
            SessionEvents events = new SessionEvents(listeners.orElse(List.of()));
            if (migration == null) {
                migration = Migration.defaults();
            }
            migrating = new SessionMigration(migration);
            if (context.getAttribute(Migration.class.getName()) == null) {
                context.setAttribute(Migration.class.getName(), migration); // its counters, for the application
            }
            options = new SessionOptions(events, cookies, urls, initialIdle, lock, lockSkipPaths,
                    new RecentTouches(Duration.ofSeconds(10)), rotateIdOnLogin, migrating);
            this.context = context;
            SessionPrefetch.register(context, prefetcher);
            log.info("StatelessSessionFilter: store {}, ids {}, cookies {}, URL rewriting {}, {} session listeners, "
                    + "idle timeout {}, lock {}, migration: {}", store, ids.getClass().getSimpleName(), cookies,
                    urls, events.size(), initialIdle.map(Duration::toString).orElse("the store's"),
                    lock.map(l -> "lease " + l.lease() + ", wait " + l.maxWait()
                            + (lockSkipPaths.isEmpty() ? "" : ", not on " + lockSkipPaths)).orElse("off"), migration);
        } catch (IllegalArgumentException e) {
            throw new ServletException("StatelessSessionFilter: " + e.getMessage(), e);
        }
    }

    private void lockFrom(Map<String, String> params) {
        String on = params.remove("lock");
        String lease = params.remove("lock-lease");
        String wait = params.remove("lock-wait");
        String skip = params.remove("lock-skip-paths");
        if (on == null || !InitParameters.bool("lock", on)) {
            if (lease != null || wait != null || skip != null) {
                throw new IllegalArgumentException("lock-lease, lock-wait and lock-skip-paths need lock=true");
            }
            return;
        }
        lock = Optional.of(new SessionLock(
                lease == null ? Builder.DEFAULT_LOCK.lease() : InitParameters.duration("lock-lease", lease),
                wait == null ? Builder.DEFAULT_LOCK.maxWait() : InitParameters.duration("lock-wait", wait)));
        if (lock.get().lease().isZero()) {
            throw new IllegalArgumentException("lock-lease must be positive, was '" + lease + "'");
        }
        if (skip != null) {
            lockSkipPaths = Builder.paths("lock-skip-paths", InitParameters.list(skip));
        }
    }

    /**
     * {@code adopt}, {@code end-adopted}, {@code rollout-percent}, {@code write-through}; or, without
     * any of them, the application's own {@link Migration} in the servlet context attribute named
     * after the class (configured in code, with a {@link Rollout} that may change at run time).
     */
    private static Migration migrationFrom(Map<String, String> params, ServletContext context) {
        String adopt = params.remove("adopt");
        String end = params.remove("end-adopted");
        String percent = params.remove("rollout-percent");
        String writeThrough = params.remove("write-through");
        if (adopt == null && end == null && percent == null && writeThrough == null) {
            return context.getAttribute(Migration.class.getName()) instanceof Migration own ? own : null;
        }
        Migration.Builder builder = Migration.builder();
        if (adopt != null) {
            builder.adopt(InitParameters.bool("adopt", adopt));
        }
        if (end != null) {
            builder.endAdopted(InitParameters.bool("end-adopted", end));
        }
        if (percent != null) {
            builder.rollout(Rollout.percent((int) InitParameters.number("rollout-percent", percent, 0, 100)));
        }
        if (writeThrough != null) {
            builder.writeThrough(InitParameters.bool("write-through", writeThrough));
        }
        return builder.build();
    }

    /** The class loader of the application's own classes ({@code codec-types}). */
    private static ClassLoader webappClassLoader(ServletContext context) {
        ClassLoader loader = null;
        try {
            loader = context.getClassLoader();
        } catch (SecurityException e) {
            // fall through
        }
        if (loader == null) {
            loader = Thread.currentThread().getContextClassLoader();
        }
        return loader != null ? loader : StatelessSessionFilter.class.getClassLoader();
    }

    /** The application's {@code <session-timeout>} (minutes; zero or less: no idle timeout). */
    private static Optional<Duration> contextSessionTimeout(ServletContext context) {
        try {
            int minutes = context.getSessionTimeout();
            return Optional.of(minutes > 0 ? Duration.ofMinutes(minutes) : Duration.ZERO);
        } catch (RuntimeException | AbstractMethodError e) {
            return Optional.empty(); // a context without session support
        }
    }

    private static Set<SessionTrackingMode> trackingModes(ServletContext context) {
        try {
            Set<SessionTrackingMode> modes = context.getEffectiveSessionTrackingModes();
            return modes == null ? Set.of() : modes;
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    private static SessionIdResolver idResolverFrom(Map<String, String> params, ServletContext context) {
        String header = params.remove("header-name");
        if (header != null) {
            return SessionIdResolver.header(header);
        }
        CookieSessionIdResolver.Builder cookie = CookieSessionIdResolver.builder();
        SessionCookieConfig appCookie = null;
        try {
            appCookie = context.getSessionCookieConfig();
        } catch (RuntimeException e) {
            // a context without session support
        }
        if (appCookie != null) {
            cookie.from(appCookie);
            boolean sameSiteGiven;
            try {
                sameSiteGiven = appCookie.getAttributes().keySet().stream().anyMatch("SameSite"::equalsIgnoreCase);
            } catch (RuntimeException | AbstractMethodError e) {
                sameSiteGiven = false;
            }
            if (!sameSiteGiven) {
                Containers.sameSiteDefault(context).ifPresent(v -> cookie.sameSite(CookieSessionIdResolver.SameSite.parse(v)));
            }
        }
        Optional.ofNullable(params.remove("cookie-name")).ifPresent(cookie::name);
        Optional.ofNullable(params.remove("cookie-path")).ifPresent(cookie::path);
        Optional.ofNullable(params.remove("cookie-domain")).ifPresent(cookie::domain);
        Optional.ofNullable(params.remove("cookie-secure")).ifPresent(v -> {
            try {
                cookie.secure(CookieSessionIdResolver.Secure.parse(v));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cookie-secure " + e.getMessage());
            }
        });
        Optional.ofNullable(params.remove("cookie-http-only")).ifPresent(v -> cookie.httpOnly(InitParameters.bool("cookie-http-only", v)));
        Optional.ofNullable(params.remove("cookie-max-age")).ifPresent(v -> cookie.maxAge(InitParameters.duration("cookie-max-age", v)));
        Optional.ofNullable(params.remove("cookie-same-site")).ifPresent(v -> {
            try {
                cookie.sameSite(CookieSessionIdResolver.SameSite.parse(v));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cookie-same-site must be Lax, Strict or None, was '" + v + "'");
            }
        });
        return cookie.build();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        if (req.getAttribute(APPLIED) instanceof Applied applied) {
            if (req.getDispatcherType() != DispatcherType.ASYNC) {
                chain.doFilter(req, res);
                return;
            }
            if (applied.wraps(req)) {
                chain.doFilter(req, res);
            } else {
                // AsyncContext.dispatch() after startAsync() hands over the unwrapped request: the
                // dispatched code must see the same session, saved when the async cycle completes.
                // Its type (ASYNC) and path are the dispatched request's: Jetty dispatches a wrapper
                // of its own, not the object the first dispatch wrapped.
                chain.doFilter(new AsyncDispatchRequest(applied.request(), request), applied.response());
            }
            if (!request.isAsyncStarted()) {
                // the dispatch ends the async cycle: the container sends the answer once it returns
                saveBeforeAsyncCompletes(request, response, applied.response());
            }
            return;
        }
        if (options.migration().config().rollout().percentNow() == 0 && stepAside(request, response)) {
            chain.doFilter(req, res);
            return;
        }
        SessionRequest wrapped = new SessionRequest(request, response, store, ids, principals, options);
        SessionCommittingResponse wrappedResponse = new SessionCommittingResponse(response, wrapped::save,
                url -> wrapped.encodeUrl(url, response::encodeURL));
        req.setAttribute(APPLIED, new Applied(wrapped, wrappedResponse));
        wrapped.beforeAsyncComplete(wrappedResponse, () -> saveBeforeAsyncCompletes(request, response, wrappedResponse));
        Throwable failure = null;
        boolean async = false;
        try {
            chain.doFilter(wrapped, wrappedResponse);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = e;
        }
        try {
            if (failure == null && request.isAsyncStarted()) {
                async = true;
                request.getAsyncContext().addListener(new OnAsyncComplete(() -> {
                    try {
                        wrapped.save();
                    } catch (RuntimeException e) {
                        log.error("The session of an asynchronous request could not be saved; its changes are lost: {}",
                                e.toString());
                    }
                }));
            } else {
                // Saved even when the application failed: a session in memory would keep its changes too.
                wrapped.save();
            }
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        } finally {
            if (!async) {
                req.removeAttribute(APPLIED);
            }
        }
        if (failure != null) {
            if (failure instanceof SessionLockedException) {
                busy(request, response);
                return;
            }
            StoreUnavailableException unavailable = findUnavailable(failure);
            if (unavailable != null) {
                unavailable(request, response, unavailable);
                return;
            }
            if (failure instanceof IOException io) throw io;
            if (failure instanceof ServletException se) throw se;
            if (failure instanceof RuntimeException re) throw re;
            throw (Error) failure;
        }
    }

    /**
     * The rollout is at 0 % (a rollback): whether this request goes to the container untouched. It
     * does when it carries no session of ours; and when it carries one of which the container's
     * session holds a complete copy (write-through), which is handed back: our cookie is expired and
     * the stored session deleted, so that it cannot come back stale later. A session of ours without
     * such a copy is still served by the filter, so that nobody loses it.
     */
    private boolean stepAside(HttpServletRequest request, HttpServletResponse response) {
        List<String> sent = ids.resolve(request);
        if (options.urlTracking()) {
            sent = new java.util.ArrayList<>(sent);
            UrlSessionIds.fromRequest(request).ifPresent(sent::add);
        }
        Optional<dev.stateless.core.session.SessionId> ours = sent.stream()
                .map(dev.stateless.core.session.SessionId::parse).flatMap(Optional::stream).findFirst();
        if (ours.isEmpty()) {
            return true;
        }
        jakarta.servlet.http.HttpSession container = SessionMigration.containerSession(request);
        if (container == null || !SessionMigration.mirrors(container, ours.get().value())) {
            return false;
        }
        try {
            store.delete(ours.get());
        } catch (StoreUnavailableException e) {
            log.warn("Rollback: a session handed back to the container could not be deleted from the store "
                    + "(it expires there by itself): {}", e.getMessage());
        }
        ids.expire(request, response);
        SessionMigration.unmark(container);
        options.migration().config().returned();
        log.debug("Rollback: a session went back to the container's session of this node");
        return true;
    }

    private static void unavailable(HttpServletRequest request, HttpServletResponse response, StoreUnavailableException e) throws IOException {
        log.warn("Session store unavailable: {}", e.getMessage());
        if (response.isCommitted()) {
            return; // too late for a 503; the container ends the response
        }
        Problems.send(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable",
                "The session store is unavailable; please retry shortly.");
    }

    /**
     * {@code AsyncContext.complete()}: the session is saved before the container sends the answer.
     * A store that cannot be reached answers 503 while that is still possible; otherwise the
     * failure is logged as an error (the answer already left, so the change is lost and says so).
     */
    private static void saveBeforeAsyncCompletes(HttpServletRequest request, HttpServletResponse response,
            SessionCommittingResponse wrappedResponse) {
        try {
            wrappedResponse.fire();
        } catch (IOException | RuntimeException e) {
            StoreUnavailableException unavailable = findUnavailable(e);
            if (unavailable != null && !response.isCommitted()) {
                try {
                    response.resetBuffer();
                    unavailable(request, response, unavailable);
                    return;
                } catch (IOException | RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            log.error("The session of an asynchronous request could not be saved before its answer was sent; "
                    + "its changes are lost", e);
        }
    }

    private static void busy(HttpServletRequest request, HttpServletResponse response) throws IOException {
        log.info("A request waited too long for its session's lock (another request of the session is running)");
        if (response.isCommitted()) {
            return;
        }
        response.setHeader("Retry-After", "1");
        Problems.send(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Session Busy",
                "Another request of this session is still running; please retry shortly.");
    }

    /** The store failure behind {@code e}: among its causes, or suppressed (a failed save after a failed request). */
    private static StoreUnavailableException findUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreUnavailableException u) {
                return u;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (suppressed instanceof StoreUnavailableException u) {
                    return u;
                }
            }
        }
        return null;
    }

    /**
     * Starts the load of the session {@code request} carries, for a filter in front of this one
     * (see {@link SessionPrefetch}): only where this filter will make a plain load of it (no lock on
     * the path, not a rollback, not wrapped yet).
     */
    private void prefetch(HttpServletRequest request) {
        if (options == null || request.getAttribute(APPLIED) != null || options.lockFor(request).isPresent()
                || options.migration().config().rollout().percentNow() == 0) {
            return;
        }
        List<String> sent = ids.resolve(request);
        if (!sent.isEmpty()) {
            dev.stateless.core.session.SessionId.parse(sent.get(0))
                    .ifPresent(id -> SessionPrefetch.load(request, store, id, ids.resolveVersion(request)));
        }
    }

    /** The wrappers of a request this filter has wrapped already (forwards, includes, async dispatches). */
    private record Applied(SessionRequest request, SessionCommittingResponse response) {
        boolean wraps(ServletRequest candidate) {
            for (ServletRequest r = candidate; r != null;
                    r = r instanceof jakarta.servlet.ServletRequestWrapper w ? w.getRequest() : null) {
                if (r == request) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public void destroy() {
        if (context != null) {
            SessionPrefetch.unregister(context, prefetcher);
        }
        if (ownsStore && store != null) {
            store.close();
        }
    }

    /** Configures a {@link StatelessSessionFilter}. */
    public static final class Builder {
        static final Function<HttpServletRequest, Optional<String>> USER_PRINCIPAL = request -> {
            // A filter inside this one (BearerTokenFilter, or your own) may have authenticated the
            // request: what it published is what the application sees, whatever the filter order.
            if (request.getAttribute(PRINCIPAL_ATTRIBUTE) instanceof String name && !name.isEmpty()) {
                return Optional.of(name);
            }
            return Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
        };

        static final SessionLock DEFAULT_LOCK = new SessionLock(Duration.ofSeconds(30), Duration.ofSeconds(10));

        private final SessionStore store;
        private SessionIdResolver ids;
        private boolean urlRewriting = true;
        private boolean rotateIdOnLogin = true;
        private SessionLock lock;
        private List<String> lockSkipPaths = List.of();
        private Function<HttpServletRequest, Optional<String>> principals = USER_PRINCIPAL;
        private Migration migration;

        private Builder(SessionStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * Whether ids also travel in URLs written with {@code encodeURL}, for clients without
         * cookies, when the application's session tracking modes include URL (default true, as
         * containers do). Turn it off when no client needs it: an id in a URL leaks through
         * {@code Referer} headers, logs and shared links.
         *
         * @param enabled whether it is on
         * @return this builder
         */
        public Builder urlRewriting(boolean enabled) {
            this.urlRewriting = enabled;
            return this;
        }

        /**
         * How the id travels (default: the cookie {@code SESSION}, with the attributes of the
         * application's own session cookie configuration).
         *
         * @param resolver the strategy
         * @return this builder
         */
        public Builder idResolver(SessionIdResolver resolver) {
            this.ids = Objects.requireNonNull(resolver, "idResolver");
            return this;
        }

        /**
         * Who owns a session, recorded for "log out everywhere" (default: the request's
         * {@code getUserPrincipal()} name at save time).
         *
         * @param resolver the strategy
         * @return this builder
         */
        public Builder principalResolver(Function<HttpServletRequest, Optional<String>> resolver) {
            this.principals = Objects.requireNonNull(resolver, "principalResolver");
            return this;
        }

        /**
         * Serializes the requests of one session across all nodes (off by default), as PHP and
         * ASP.NET session state do: a request takes the session's lock when it loads the session
         * (no extra round trip) and releases it with its save, so concurrent requests that mutate
         * the same attribute in place lose nothing. A request that finds the lock held waits up to
         * {@code maxWait}, then answers 503 with {@code Retry-After}; a lock whose holder died frees
         * itself after {@code lease}. A request that runs longer than the lease loses the lock (its
         * writes still land, last writer wins). Without a lock, concurrent requests of one session
         * keep each other's changes to different attributes, and for one attribute the last writer
         * wins.
         *
         * @param lock the lease and the wait
         * @return this builder
         */
        public Builder lock(SessionLock lock) {
            this.lock = Objects.requireNonNull(lock, "lock");
            return this;
        }

        /**
         * Paths whose requests take no lock even when {@link #lock locking} is on: read-only pages
         * and static resources, which then never wait (exact paths, or {@code /prefix/*}).
         *
         * @param paths exact paths or {@code /prefix/*} patterns
         * @return this builder
         */
        public Builder lockSkipPaths(String... paths) {
            this.lockSkipPaths = paths("lockSkipPaths", paths);
            return this;
        }

        static List<String> paths(String option, String... paths) {
            List<String> checked = new java.util.ArrayList<>();
            for (String path : paths) {
                if (path == null || path.isBlank()) {
                    continue;
                }
                String p = path.trim();
                if (!p.startsWith("/")) {
                    throw new IllegalArgumentException(option + ": a path must start with '/', was '" + p + "'");
                }
                checked.add(p);
            }
            return List.copyOf(checked);
        }

        /**
         * Gives a stored session a new id (keeping its attributes) when the first authenticated
         * request of it comes, as Spring Security does at login (default true): an attacker who
         * planted an id before the victim logged in then holds an id that no longer exists. The
         * change happens when the session is loaded, or, for a login during the request, before the
         * session is saved; the client gets the new id with the answer. Turn it off only if the
         * application changes the id at login itself ({@code changeSessionId()}).
         *
         * @param enabled whether it is on
         * @return this builder
         */
        public Builder rotateIdOnLogin(boolean enabled) {
            this.rotateIdOnLogin = enabled;
            return this;
        }

        /**
         * How the filter takes over a running service's container sessions (default: adopts each
         * container session it meets, for every client, and keeps no copy in the container): see
         * {@link Migration} and the README's "Migrating a running service".
         *
         * @param migration the policy
         * @return this builder
         */
        public Builder migration(Migration migration) {
            this.migration = Objects.requireNonNull(migration, "migration");
            return this;
        }

        /**
         * Makes the {@code StatelessSessionFilter} as configured; bad values fail here, naming the option.
         *
         * @return the filter, to register with the container
         */
        public StatelessSessionFilter build() {
            return new StatelessSessionFilter(this);
        }
    }
}
