package dev.stateless.servlet;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionStores;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.Collections;
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
 * <p>Register it first in the chain, programmatically:
 * <pre>{@code
 * SessionStore store = RedisSessionStore.builder("redis://localhost:6379").build();
 * servletContext.addFilter("sessions", StatelessSessionFilter.builder(store).build())
 *         .addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 * or in {@code web.xml} with init parameters: {@code store-uri} (e.g. {@code redis://host:6379};
 * without it, a {@link SessionStore} in the servlet context attribute named
 * {@code dev.stateless.core.session.SessionStore} is used), {@code idle-timeout},
 * {@code absolute-timeout}, {@code touch-interval}, {@code command-timeout}, {@code key-prefix}
 * (durations as ISO-8601, {@code PT30M}, or seconds), {@code cookie-name}, {@code cookie-path},
 * {@code cookie-domain}, {@code cookie-secure}, {@code cookie-http-only}, {@code cookie-same-site},
 * or {@code header-name} to carry the id in a header instead of a cookie.
 *
 * <p>Thread-safe; one instance serves all requests.
 */
public final class StatelessSessionFilter implements Filter {

    private static final Logger log = LoggerFactory.getLogger(StatelessSessionFilter.class);
    private static final String APPLIED = StatelessSessionFilter.class.getName() + ".applied";

    private SessionStore store;
    private SessionIdResolver ids;
    private Function<HttpServletRequest, Optional<String>> principals;
    private boolean ownsStore;

    /** For {@code web.xml}: configured from init parameters in {@link #init(FilterConfig)}. */
    public StatelessSessionFilter() {
    }

    private StatelessSessionFilter(Builder builder) {
        this.store = builder.store;
        this.ids = builder.ids;
        this.principals = builder.principals;
    }

    public static Builder builder(SessionStore store) {
        return new Builder(store);
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        if (store != null) {
            return;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : Collections.list(config.getInitParameterNames())) {
            params.put(name, config.getInitParameter(name));
        }
        try {
            String uri = params.remove("store-uri");
            if (uri != null) {
                Map<String, String> storeOptions = new LinkedHashMap<>();
                for (String option : new String[] {"idle-timeout", "absolute-timeout", "touch-interval",
                        "command-timeout", "key-prefix"}) {
                    String value = params.remove(option);
                    if (value != null) {
                        storeOptions.put(option, value);
                    }
                }
                store = SessionStores.create(uri, storeOptions);
                ownsStore = true;
            } else if (config.getServletContext().getAttribute(SessionStore.class.getName()) instanceof SessionStore s) {
                store = s;
            } else {
                throw new ServletException("StatelessSessionFilter needs the init parameter 'store-uri' or a "
                        + "SessionStore in the servlet context attribute '" + SessionStore.class.getName() + "'");
            }
            ids = idResolverFrom(params);
            principals = Builder.USER_PRINCIPAL;
            if (!params.isEmpty()) {
                throw new IllegalArgumentException("unknown init parameters " + params.keySet());
            }
        } catch (IllegalArgumentException e) {
            throw new ServletException("StatelessSessionFilter: " + e.getMessage(), e);
        }
    }

    private static SessionIdResolver idResolverFrom(Map<String, String> params) {
        String header = params.remove("header-name");
        if (header != null) {
            return SessionIdResolver.header(header);
        }
        CookieSessionIdResolver.Builder cookie = CookieSessionIdResolver.builder();
        Optional.ofNullable(params.remove("cookie-name")).ifPresent(cookie::name);
        Optional.ofNullable(params.remove("cookie-path")).ifPresent(cookie::path);
        Optional.ofNullable(params.remove("cookie-domain")).ifPresent(cookie::domain);
        Optional.ofNullable(params.remove("cookie-secure")).ifPresent(v -> cookie.secure(bool("cookie-secure", v)));
        Optional.ofNullable(params.remove("cookie-http-only")).ifPresent(v -> cookie.httpOnly(bool("cookie-http-only", v)));
        Optional.ofNullable(params.remove("cookie-same-site")).ifPresent(v -> {
            try {
                cookie.sameSite(CookieSessionIdResolver.SameSite.valueOf(v.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cookie-same-site must be Lax, Strict or None, was '" + v + "'");
            }
        });
        return cookie.build();
    }

    private static boolean bool(String option, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(option + " must be true or false, was '" + value + "'");
        };
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)
                || req.getAttribute(APPLIED) != null) {
            chain.doFilter(req, res);
            return;
        }
        req.setAttribute(APPLIED, Boolean.TRUE);
        SessionRequest wrapped = new SessionRequest(request, response, store, ids, principals);
        SessionCommittingResponse wrappedResponse = new SessionCommittingResponse(response, wrapped::save);
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
                        log.warn("Session of an asynchronous request could not be saved: {}", e.getMessage());
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

    private static void unavailable(HttpServletRequest request, HttpServletResponse response, StoreUnavailableException e) throws IOException {
        log.warn("Session store unavailable: {}", e.getMessage());
        if (response.isCommitted()) {
            return; // too late for a 503; the container ends the response
        }
        Problems.send(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable",
                "The session store is unavailable; please retry shortly.");
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

    @Override
    public void destroy() {
        if (ownsStore && store != null) {
            store.close();
        }
    }

    /** Configures a {@link StatelessSessionFilter}. */
    public static final class Builder {
        static final Function<HttpServletRequest, Optional<String>> USER_PRINCIPAL =
                request -> Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);

        private final SessionStore store;
        private SessionIdResolver ids = SessionIdResolver.cookie();
        private Function<HttpServletRequest, Optional<String>> principals = USER_PRINCIPAL;

        private Builder(SessionStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** How the id travels (default: the cookie {@code SESSION}). */
        public Builder idResolver(SessionIdResolver resolver) {
            this.ids = Objects.requireNonNull(resolver, "idResolver");
            return this;
        }

        /**
         * Who owns a session, recorded for "log out everywhere" (default: the request's
         * {@code getUserPrincipal()} name at save time).
         */
        public Builder principalResolver(Function<HttpServletRequest, Optional<String>> resolver) {
            this.principals = Objects.requireNonNull(resolver, "principalResolver");
            return this;
        }

        public StatelessSessionFilter build() {
            return new StatelessSessionFilter(this);
        }
    }
}
