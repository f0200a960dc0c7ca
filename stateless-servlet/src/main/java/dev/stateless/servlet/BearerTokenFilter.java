package dev.stateless.servlet;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.core.token.TokenVerifiers;
import dev.stateless.core.token.VerifiedToken;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates requests by a bearer token (RFC 6750) that any node verifies on its own. On
 * success the request's {@code getUserPrincipal()}, {@code getRemoteUser()} and
 * {@code isUserInRole()} reflect the token (roles from the verifier's role claims), and the
 * {@link VerifiedToken} is the request attribute {@link #TOKEN_ATTRIBUTE}.
 *
 * <p>Answers ({@code application/problem+json}, nothing of the token echoed):
 * <ul>
 * <li>no token: 401 with {@code WWW-Authenticate: Bearer realm="..."} and no error code, or the
 *     request passes anonymously on {@linkplain Builder#anonymous paths that allow it};</li>
 * <li>bad token: 401 with {@code error="invalid_token"} and a short description of the reason;</li>
 * <li>token sent two ways (header and {@code access_token} parameter) or several Authorization
 *     headers: 400 {@code invalid_request};</li>
 * <li>a role the path requires is missing: 403 {@code insufficient_scope};</li>
 * <li>the verifier has no keys, or the revocation list is unreachable: 503.</li>
 * </ul>
 *
 * <pre>{@code
 * servletContext.addFilter("auth", BearerTokenFilter.builder(verifier)
 *         .anonymous("/login", "/health")
 *         .requireRole("/admin/*", "admin")
 *         .build()).addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 *
 * <p>Or in {@code web.xml}, by class name, with init parameters: {@code realm}, {@code anonymous}
 * (paths), {@code require-role} (rules such as {@code /admin/* admin, /ops/* ops}), and the
 * verifier's own ({@code hmac-secret-env}, {@code jwks-uri}, {@code issuers}, ... with
 * {@code stateless-jwt}); or a {@link TokenVerifier} in the servlet context attribute
 * {@code dev.stateless.core.token.TokenVerifier}. See {@link #init}.
 *
 * <p>The authenticated request's {@code getUserPrincipal().getName()} and {@code getRemoteUser()} are
 * {@link VerifiedToken#principal()}: the token's {@code sub}, or {@code iss#sub} where the verifier
 * trusts several issuers, so the session owner check and the idempotency scope never take two issuers'
 * users of one {@code sub} for one user.
 *
 * <p>Register it first, before the idempotency and session filters, so that they see the principal
 * (the session filter also reads {@link StatelessSessionFilter#PRINCIPAL_ATTRIBUTE}, which this
 * filter sets, so its owner check holds in any order). Thread-safe.
 */
public final class BearerTokenFilter implements Filter {

    /** Request attribute holding the {@link VerifiedToken} of an authenticated request. */
    public static final String TOKEN_ATTRIBUTE = VerifiedToken.class.getName();

    private static final Logger log = LoggerFactory.getLogger(BearerTokenFilter.class);
    private static final Pattern TOKEN68 = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    // Set once, by the builder's constructor or by init(), before the container sends any request.
    private TokenVerifier verifier;
    private String realm;
    private List<String> anonymousPaths;
    private Map<String, Set<String>> requiredRoles;
    private AutoCloseable ownedVerifier;

    /**
     * For {@code web.xml}: configured from init parameters in {@link #init(FilterConfig)}. A filter
     * made by {@link #builder} ignores init parameters.
     */
    public BearerTokenFilter() {
    }

    private BearerTokenFilter(Builder b) {
        configure(b);
    }

    private void configure(Builder b) {
        this.verifier = b.verifier;
        this.realm = b.realm;
        this.anonymousPaths = List.copyOf(b.anonymousPaths);
        this.requiredRoles = Collections.unmodifiableMap(new LinkedHashMap<>(b.requiredRoles));
        log.info("BearerTokenFilter[verifier={}, realm={}, anonymous={}, requiredRoles={}]", verifier, realm,
                anonymousPaths, requiredRoles);
    }

    /**
     * Starts the configuration of a filter that verifies tokens with {@code verifier}, which the caller keeps
     * and closes.
     *
     * @param verifier verifies every token
     * @return a builder
     */
    public static Builder builder(TokenVerifier verifier) {
        return new Builder(verifier);
    }

    /**
     * Configures a filter declared in {@code web.xml} (made with the no-argument constructor) from
     * its init parameters; a filter made by {@link #builder} is left as it is. The filter's own
     * parameters are {@code realm}, {@code anonymous} and {@code require-role}; all others configure
     * the verifier, made by {@link TokenVerifiers#create} ({@code stateless-jwt}: {@code jwks-uri},
     * {@code hmac-secret-env}, {@code issuers}, ...) and closed by {@link #destroy()}. Without any,
     * the {@link TokenVerifier} in the servlet context attribute named
     * {@code dev.stateless.core.token.TokenVerifier} is used (the application owns it).
     *
     * @throws ServletException naming this filter and the parameter, for a missing verifier, an
     *     unknown parameter or a bad value
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        if (verifier != null) {
            return;
        }
        try {
            InitParameters params = new InitParameters(config);
            List<Consumer<Builder>> options = new ArrayList<>();
            params.apply("realm", v -> {
                Builder.checkRealm(v);
                options.add(b -> b.realm(v));
            });
            params.apply("anonymous", v -> {
                String[] paths = InitParameters.list(v);
                for (String path : paths) {
                    Builder.checkPath(path);
                }
                options.add(b -> b.anonymous(paths));
            });
            params.apply("require-role", v -> {
                for (String rule : v.split("[,;\\n]")) {
                    String[] words = rule.trim().split("\\s+");
                    if (words[0].isEmpty()) {
                        continue;
                    }
                    Builder.checkPath(words[0]);
                    if (words.length < 2) {
                        throw new IllegalArgumentException("require-role has a rule for " + words[0]
                                + " that names no role (write rules as '/admin/* admin, /ops/* ops')");
                    }
                    String[] roles = Arrays.copyOfRange(words, 1, words.length);
                    options.add(b -> b.requireRole(words[0], roles));
                }
            });
            Map<String, String> verifierOptions = params.rest();
            TokenVerifier chosen;
            AutoCloseable owned = null;
            if (!verifierOptions.isEmpty()) {
                chosen = TokenVerifiers.create(verifierOptions);
                owned = chosen instanceof AutoCloseable closeable ? closeable : null;
            } else if (config.getServletContext().getAttribute(TokenVerifier.class.getName()) instanceof TokenVerifier v) {
                chosen = v;
            } else {
                throw new IllegalArgumentException("needs init parameters for the token verifier (such as jwks-uri or "
                        + "hmac-secret-env, with stateless-jwt) or a TokenVerifier in the servlet context attribute '"
                        + TokenVerifier.class.getName() + "'");
            }
            Builder builder = builder(chosen);
            options.forEach(o -> o.accept(builder));
            configure(builder);
            ownedVerifier = owned;
        } catch (RuntimeException e) {
            throw new ServletException("BearerTokenFilter: " + e.getMessage(), e);
        }
    }

    @Override
    public void destroy() {
        if (ownedVerifier != null) {
            try {
                ownedVerifier.close();
            } catch (Exception e) {
                log.warn("The token verifier could not be closed: {}", e.getMessage());
            }
            ownedVerifier = null;
        }
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        List<String> authorizations = Collections.list(request.getHeaders("Authorization"));
        boolean inQuery = RequestPaths.queryHas(request, "access_token");
        if (authorizations.size() > 1 || (!authorizations.isEmpty() && inQuery)) {
            challenge(request, response, 400, "invalid_request", "The access token must be sent once, in one way.");
            return;
        }
        String token = authorizations.isEmpty() ? null : bearerToken(authorizations.get(0));
        if (token == null) {
            if (inQuery || !authorizations.isEmpty() && isBearerScheme(authorizations.get(0))) {
                // "Bearer" with nothing usable after it, or a token in the URL (which leaks into logs).
                challenge(request, response, 400, "invalid_request", "The request must send the access token in the "
                        + "Authorization header as: Bearer <token>.");
                return;
            }
            if (RequestPaths.matchesAny(RequestPaths.within(request), anonymousPaths)) {
                chain.doFilter(req, res);
            } else {
                challenge(request, response, 401, null, "This resource requires authentication.");
            }
            return;
        }
        VerifiedToken verified;
        try {
            verified = verifier.verify(token);
        } catch (TokenVerificationException e) {
            if (e.reason() == TokenVerificationException.Reason.KEY_UNAVAILABLE) {
                log.warn("Token keys unavailable: {}", e.getMessage());
                Problems.send(request, response, 503, "Service Unavailable", "Tokens cannot be checked right now; retry shortly.");
                return;
            }
            log.debug("Token refused: {} ({})", e.reason(), e.getMessage());
            challenge(request, response, 401, "invalid_token", describe(e.reason()));
            return;
        } catch (StoreUnavailableException e) {
            log.warn("Token revocation list unavailable; refusing the token: {}", e.getMessage());
            Problems.send(request, response, 503, "Service Unavailable", "Tokens cannot be checked right now; retry shortly.");
            return;
        }
        Set<String> needed = rolesFor(RequestPaths.within(request));
        if (!needed.isEmpty() && Collections.disjoint(needed, verified.roles())) {
            challenge(request, response, 403, "insufficient_scope", "The access token does not grant this resource.");
            return;
        }
        request.setAttribute(TOKEN_ATTRIBUTE, verified);
        AuthenticatedRequest authenticated = new AuthenticatedRequest(request, verified);
        // For the session filter, whichever side of this filter it runs on.
        request.setAttribute(StatelessSessionFilter.PRINCIPAL_ATTRIBUTE, authenticated.getUserPrincipal().getName());
        chain.doFilter(authenticated, res);
    }

    private static boolean isBearerScheme(String authorization) {
        String value = authorization.strip();
        return value.regionMatches(true, 0, "Bearer", 0, 6) && (value.length() == 6 || value.charAt(6) == ' ');
    }

    /** The token of a well-formed {@code Bearer} credential, or null. */
    private static String bearerToken(String authorization) {
        if (!isBearerScheme(authorization)) {
            return null;
        }
        String token = authorization.strip().substring(6).strip();
        return !token.isEmpty() && token.length() <= 64 * 1024 && TOKEN68.matcher(token).matches() ? token : null;
    }

    private static String describe(TokenVerificationException.Reason reason) {
        return switch (reason) {
            case EXPIRED -> "The access token expired.";
            case NOT_YET_VALID -> "The access token is not valid yet.";
            case REVOKED -> "The access token was revoked.";
            case UNTRUSTED_ISSUER -> "The access token comes from an untrusted issuer.";
            case WRONG_AUDIENCE -> "The access token is not meant for this service.";
            case WRONG_TYPE -> "The token is not an access token.";
            case MISSING_CLAIM -> "The access token lacks a required claim.";
            case UNSUPPORTED_ALGORITHM -> "The access token uses an algorithm that is not accepted.";
            case BAD_SIGNATURE -> "The access token signature is not valid.";
            default -> "The access token is malformed.";
        };
    }

    private void challenge(HttpServletRequest request, HttpServletResponse response, int status, String error, String description) throws IOException {
        StringBuilder header = new StringBuilder("Bearer realm=\"").append(realm).append('"');
        if (error != null) {
            header.append(", error=\"").append(error).append("\", error_description=\"").append(description).append('"');
        }
        response.setHeader("WWW-Authenticate", header.toString());
        String title = switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            default -> "Unauthorized";
        };
        Problems.send(request, response, status, title, description);
    }

    private Set<String> rolesFor(String path) {
        for (Map.Entry<String, Set<String>> rule : requiredRoles.entrySet()) {
            if (RequestPaths.matches(path, rule.getKey())) {
                return rule.getValue();
            }
        }
        return Set.of();
    }

    /** The request as the application sees it after authentication. */
    private static final class AuthenticatedRequest extends HttpServletRequestWrapper {
        private final VerifiedToken token;
        private final Principal principal;

        AuthenticatedRequest(HttpServletRequest request, VerifiedToken token) {
            super(request);
            this.token = token;
            String name = token.principal(); // sub, or iss#sub where the verifier trusts several issuers
            this.principal = new Principal() {
                @Override
                public String getName() {
                    return name;
                }

                @Override
                public String toString() {
                    return "BearerPrincipal[" + name + "]";
                }
            };
        }

        @Override
        public Principal getUserPrincipal() {
            return principal;
        }

        @Override
        public String getRemoteUser() {
            return token.principal();
        }

        @Override
        public boolean isUserInRole(String role) {
            return role != null && token.roles().contains(role);
        }

        @Override
        public String getAuthType() {
            return "BEARER";
        }
    }

    /** Configures a {@link BearerTokenFilter}. */
    public static final class Builder {
        private final TokenVerifier verifier;
        private String realm = "api";
        private final List<String> anonymousPaths = new ArrayList<>();
        private final Map<String, Set<String>> requiredRoles = new LinkedHashMap<>();

        private Builder(TokenVerifier verifier) {
            this.verifier = Objects.requireNonNull(verifier, "verifier");
        }

        /**
         * The realm named in {@code WWW-Authenticate} (default {@code api}).
         *
         * @param realm printable ASCII without quotes or backslashes
         * @return this builder
         */
        public Builder realm(String realm) {
            this.realm = checkRealm(realm);
            return this;
        }

        private static String checkRealm(String realm) {
            Objects.requireNonNull(realm, "realm");
            if (realm.isEmpty() || !realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
                throw new IllegalArgumentException("realm must be printable ASCII without quotes, was '" + realm + "'");
            }
            return realm;
        }

        /**
         * Paths where a request without a token passes, anonymously (exact, or {@code /prefix/*}).
         * A token that is sent is still verified there.
         *
         * @param paths exact paths or {@code /prefix/*} patterns
         * @return this builder
         */
        public Builder anonymous(String... paths) {
            for (String p : paths) {
                anonymousPaths.add(checkPath(p));
            }
            return this;
        }

        /**
         * Paths that need one of these roles (or scopes); first matching rule wins.
         *
         * @param path an exact path or a {@code /prefix/*} pattern
         * @param anyOf the roles, one of which is needed
         * @return this builder
         */
        public Builder requireRole(String path, String... anyOf) {
            if (anyOf.length == 0) {
                throw new IllegalArgumentException("requireRole: name at least one role for " + path);
            }
            requiredRoles.put(checkPath(path), Set.of(anyOf));
            return this;
        }

        private static String checkPath(String path) {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("paths must start with '/', was '" + path + "'");
            }
            return path;
        }

        /**
         * Makes the {@code BearerTokenFilter} as configured; bad values fail here, naming the option.
         *
         * @return the filter, to register with the container
         */
        public BearerTokenFilter build() {
            return new BearerTokenFilter(this);
        }
    }
}
