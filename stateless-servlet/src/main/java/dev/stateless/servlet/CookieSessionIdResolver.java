package dev.stateless.servlet;

import jakarta.servlet.ServletContext;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Session ids in a cookie. Defaults: name {@code SESSION}, path {@code /} (or the context path),
 * {@code HttpOnly}, {@code SameSite=Lax}, {@code Secure} when the request came over HTTPS
 * ({@link Secure#FROM_REQUEST}), no {@code Max-Age} (the cookie ends with the browser; the
 * session's life is decided by the server).
 *
 * <pre>{@code
 * SessionIdResolver cookies = CookieSessionIdResolver.builder().name("__Host-SID").secure(Secure.ALWAYS).build();
 * }</pre>
 *
 * <p>Behind a proxy that terminates TLS, the request the container sees is plain HTTP, so
 * {@link Secure#FROM_REQUEST} never marks the cookie {@code Secure}. Choose one: {@link Secure#ALWAYS}
 * when the site is served over HTTPS only (simplest); or make the container trust the proxy's
 * headers (Jetty's {@code ForwardedRequestCustomizer}, Tomcat's {@code RemoteIpValve}), so that
 * {@code isSecure()} is true again and the default works; or {@link Secure#FROM_FORWARDED_PROTO}
 * when neither is possible and every request comes through a proxy that sets those headers.
 *
 * <p>Immutable and thread-safe.
 */
public final class CookieSessionIdResolver implements SessionIdResolver {

    /** The {@code SameSite} attribute. */
    public enum SameSite {
        /** Sent on same-site requests and top-level navigations: the usual choice (default). */
        LAX,
        /** Sent on same-site requests only: safest against CSRF, but links from other sites arrive logged out. */
        STRICT,
        /** Sent on cross-site requests too; requires {@code Secure}. Only for cross-site embedding. */
        NONE;

        /**
         * {@code Lax}, {@code Strict} or {@code None}, in any case.
         *
         * @param text {@code Strict}, {@code Lax}, {@code None} or {@code omit}, case-insensitively
         * @return the choice
         */
        public static SameSite parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("SameSite must be Lax, Strict or None, was '" + text + "'");
            }
        }
    }

    /**
     * When the cookie is marked {@code Secure} (sent back by the browser over HTTPS only). In every
     * mode a {@code Secure} cookie is never written without it because of a header: a client can at
     * most add the attribute, never remove it.
     */
    public enum Secure {
        /** Always: for sites served over HTTPS only, behind a proxy or not. The safest choice. */
        ALWAYS,
        /** Never: for local development over plain HTTP; a production cookie without it can leak. */
        NEVER,
        /**
         * When the request the container sees is secure ({@code isSecure()}), the default. Right
         * without a proxy, or with a container configured to trust the proxy's forwarded headers;
         * behind a TLS-terminating proxy otherwise, the cookie never gets {@code Secure}.
         */
        FROM_REQUEST,
        /**
         * When the request is secure, or when the proxy says the client used HTTPS: the first value
         * of {@code X-Forwarded-Proto}, or the {@code proto} of the first element of
         * {@code Forwarded} (RFC 7239), is {@code https}. Use it only when every request comes
         * through a proxy that sets (and overwrites) these headers; a client that sends them itself
         * can only add {@code Secure}, which makes the browser drop the cookie over plain HTTP.
         */
        FROM_FORWARDED_PROTO;

        /**
         * {@code always}, {@code never}, {@code request} or {@code forwarded-proto} (as the
         * {@code cookie-secure} init parameter spells them), in any case; {@code true} and
         * {@code false} mean {@code always} and {@code never}.
         *
         * @param text {@code always}, {@code never} or {@code if-request-secure}, case-insensitively
         * @return the choice
         */
        public static Secure parse(String text) {
            String t = Objects.requireNonNull(text, "text").trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "always", "true" -> ALWAYS;
                case "never", "false" -> NEVER;
                case "request", "from-request" -> FROM_REQUEST;
                case "forwarded-proto", "from-forwarded-proto" -> FROM_FORWARDED_PROTO;
                default -> throw new IllegalArgumentException("must be always, never, request or forwarded-proto "
                        + "(true and false mean always and never), was '" + text + "'");
            };
        }
    }

    private static final int MAX_CANDIDATES = 4;
    /** Longest forwarded header read; a proxy's own value is short, anything longer is not https. */
    private static final int MAX_FORWARDED_LENGTH = 1024;

    private final String name;
    private final String path;
    private final String domain;
    private final Secure secure;
    private final boolean httpOnly;
    private final SameSite sameSite;
    private final Duration maxAge;
    private final Map<String, String> attributes;

    private CookieSessionIdResolver(Builder b) {
        this.name = b.name;
        this.path = b.path;
        this.domain = b.domain;
        this.secure = b.secure;
        this.httpOnly = b.httpOnly;
        this.sameSite = b.sameSite;
        this.maxAge = b.maxAge;
        this.attributes = Map.copyOf(b.attributes);
    }

    /**
     * Starts the configuration of a cookie resolver, from the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<String> resolve(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        for (Cookie cookie : cookies) {
            if (name.equals(cookie.getName()) && cookie.getValue() != null) {
                values.add(cookie.getValue());
                if (values.size() == MAX_CANDIDATES) {
                    break;
                }
            }
        }
        return values;
    }

    @Override
    public void write(HttpServletRequest request, HttpServletResponse response, String sessionId) {
        response.addHeader("Set-Cookie", header(request, name, sessionId, maxAge));
    }

    @Override
    public void expire(HttpServletRequest request, HttpServletResponse response) {
        response.addHeader("Set-Cookie", header(request, name, "", Duration.ZERO));
    }

    /** The version travels in the cookie {@code <name>_VERSION}, with the session cookie's attributes. */
    @Override
    public long resolveVersion(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            String versionName = versionCookieName();
            for (Cookie cookie : cookies) {
                if (versionName.equals(cookie.getName())) {
                    return ClientVersions.parse(cookie.getValue());
                }
            }
        }
        return 0;
    }

    @Override
    public void writeVersion(HttpServletRequest request, HttpServletResponse response, long version) {
        response.addHeader("Set-Cookie", header(request, versionCookieName(), Long.toString(version), maxAge));
    }

    private String versionCookieName() {
        return name + "_VERSION";
    }

    @Override
    public boolean usesCookies() {
        return true;
    }

    private String header(HttpServletRequest request, String cookieName, String value, Duration age) {
        StringBuilder h = new StringBuilder(128).append(cookieName).append('=').append(value);
        h.append("; Path=").append(path != null ? path : cookiePath(request));
        if (domain != null) {
            h.append("; Domain=").append(domain);
        }
        if (age != null) {
            h.append("; Max-Age=").append(age.getSeconds());
            if (age.isZero()) {
                h.append("; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
            }
        }
        if (secure(request)) {
            h.append("; Secure");
        }
        if (httpOnly) {
            h.append("; HttpOnly");
        }
        h.append("; SameSite=").append(switch (sameSite) {
            case LAX -> "Lax";
            case STRICT -> "Strict";
            case NONE -> "None";
        });
        attributes.forEach((attribute, attributeValue) -> {
            h.append("; ").append(attribute);
            if (!attributeValue.isEmpty()) {
                h.append('=').append(attributeValue);
            }
        });
        return h.toString();
    }

    private boolean secure(HttpServletRequest request) {
        return switch (secure) {
            case ALWAYS -> true;
            case NEVER -> false;
            case FROM_REQUEST -> request.isSecure();
            case FROM_FORWARDED_PROTO -> request.isSecure() || forwardedHttps(request);
        };
    }

    /** Whether the proxy nearest the client says it was reached over HTTPS. */
    static boolean forwardedHttps(HttpServletRequest request) {
        String forwarded = request.getHeader("Forwarded");
        if (forwarded != null && forwarded.length() <= MAX_FORWARDED_LENGTH) {
            // The first element (before any comma) is the hop nearest the client; its pairs split at ';'.
            String first = forwarded.split(",", 2)[0];
            for (String pair : first.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase("proto")) {
                    String value = pair.substring(eq + 1).trim();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    return value.equalsIgnoreCase("https");
                }
            }
        }
        String proto = request.getHeader("X-Forwarded-Proto");
        return proto != null && proto.length() <= MAX_FORWARDED_LENGTH
                && proto.split(",", 2)[0].trim().equalsIgnoreCase("https");
    }

    private static String cookiePath(HttpServletRequest request) {
        String contextPath = request.getContextPath();
        return contextPath == null || contextPath.isEmpty() ? "/" : contextPath;
    }

    /** Configures a {@link CookieSessionIdResolver}; validated at {@link #build()}. */
    public static final class Builder {
        private String name = "SESSION";
        private String path;
        private String domain;
        private Secure secure = Secure.FROM_REQUEST;
        private boolean httpOnly = true;
        private SameSite sameSite = SameSite.LAX;
        private Duration maxAge;
        private final Map<String, String> attributes = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Starts from the application's own session cookie settings ({@code <session-config>
         * <cookie-config>} in {@code web.xml}, or {@link ServletContext#getSessionCookieConfig()}):
         * path, domain, {@code Secure} (when set; else on HTTPS requests), {@code HttpOnly} (when
         * set; else on), {@code Max-Age}, {@code SameSite} and other attributes. The name stays
         * this resolver's ({@code SESSION} unless set): the container's own session, which container
         * login still uses, keeps the application's name, and two sessions cannot share one cookie.
         * Options set afterwards override these.
         *
         * @param config the container's session cookie configuration (from {@code web.xml})
         * @return this builder
         */
        public Builder from(SessionCookieConfig config) {
            Objects.requireNonNull(config, "config");
            if (config.getPath() != null && !config.getPath().isEmpty()) {
                path(config.getPath());
            }
            if (config.getDomain() != null && !config.getDomain().isEmpty()) {
                domain(config.getDomain());
            }
            if (config.isSecure()) {
                secure(Secure.ALWAYS);
            }
            if (config.getMaxAge() > 0) {
                maxAge(Duration.ofSeconds(config.getMaxAge()));
            }
            Map<String, String> configured;
            try {
                configured = config.getAttributes();
            } catch (AbstractMethodError | UnsupportedOperationException e) {
                configured = Map.of(); // a Servlet 5 container
            }
            configured.forEach((attribute, attributeValue) -> {
                String lower = attribute.toLowerCase(Locale.ROOT);
                switch (lower) {
                    case "samesite" -> sameSite(SameSite.parse(attributeValue));
                    case "httponly" -> httpOnly(!"false".equalsIgnoreCase(attributeValue));
                    case "secure" -> {
                        if (!"false".equalsIgnoreCase(attributeValue)) {
                            secure(Secure.ALWAYS);
                        }
                    }
                    // carried by the options above, or not ours to copy (Jetty lists the cookie's
                    // name among the attributes too)
                    case "path", "domain", "max-age", "expires", "comment", "name" -> { }
                    default -> attribute(attribute, attributeValue == null ? "" : attributeValue);
                }
            });
            return this;
        }

        /**
         * Adds another cookie attribute, such as {@code Partitioned} (empty value: the attribute
         * alone) or {@code Priority=High}.
         *
         * @param attribute the cookie attribute's name
         * @param value its value
         * @return this builder
         */
        public Builder attribute(String attribute, String value) {
            Objects.requireNonNull(attribute, "attribute");
            Objects.requireNonNull(value, "value");
            if (attribute.isEmpty() || !attribute.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
                throw new IllegalArgumentException("cookie attribute name must be a token, was '" + attribute + "'");
            }
            if (!value.isEmpty()) {
                checkAttribute(attribute, value);
            }
            attributes.put(attribute, value);
            return this;
        }

        /**
         * Cookie name (default {@code SESSION}); a {@code __Host-} name requires Secure, path / and no
         * domain.
         *
         * @param name a cookie name (an RFC 6265 token)
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Cookie path (default: the context path, or / at the root).
         *
         * @param path the cookie path
         * @return this builder
         */
        public Builder path(String path) {
            this.path = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * The cookie's {@code Domain} (default none: the host only).
         *
         * @param domain the domain, or null for none
         * @return this builder
         */
        public Builder domain(String domain) {
            this.domain = Objects.requireNonNull(domain, "domain");
            return this;
        }

        /**
         * Always (true: {@link Secure#ALWAYS}) or never (false: {@link Secure#NEVER}) mark the cookie Secure.
         *
         * @param secure when the cookie is {@code Secure}
         * @return this builder
         */
        public Builder secure(boolean secure) {
            return secure(secure ? Secure.ALWAYS : Secure.NEVER);
        }

        /**
         * When to mark the cookie Secure (default {@link Secure#FROM_REQUEST}: on HTTPS requests).
         *
         * @param secure when the cookie is {@code Secure}
         * @return this builder
         */
        public Builder secure(Secure secure) {
            this.secure = Objects.requireNonNull(secure, "secure");
            return this;
        }

        /**
         * Whether the cookie is {@code HttpOnly} (default true).
         *
         * @param httpOnly whether scripts are kept from the cookie
         * @return this builder
         */
        public Builder httpOnly(boolean httpOnly) {
            this.httpOnly = httpOnly;
            return this;
        }

        /**
         * The cookie's {@code SameSite} (default {@code Lax}).
         *
         * @param sameSite the choice
         * @return this builder
         */
        public Builder sameSite(SameSite sameSite) {
            this.sameSite = Objects.requireNonNull(sameSite, "sameSite");
            return this;
        }

        /**
         * Makes the cookie persistent for this long (default: a browser-session cookie).
         *
         * @param maxAge zero or more
         * @return this builder
         */
        public Builder maxAge(Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
            }
            this.maxAge = maxAge;
            return this;
        }

        /**
         * Makes the {@code CookieSessionIdResolver} as configured; bad values fail here, naming the option.
         *
         * @return the resolver, immutable
         */
        public CookieSessionIdResolver build() {
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
                throw new IllegalArgumentException("name must be a cookie-name token, was '" + name + "'");
            }
            checkAttribute("path", path);
            checkAttribute("domain", domain);
            if (name.toLowerCase(Locale.ROOT).startsWith("__host-")) {
                if (secure != Secure.ALWAYS || domain != null || (path != null && !path.equals("/"))) {
                    throw new IllegalArgumentException("name: a __Host- cookie needs secure(true), path \"/\" and no domain");
                }
                path = "/";
            }
            if (name.toLowerCase(Locale.ROOT).startsWith("__secure-") && secure != Secure.ALWAYS) {
                throw new IllegalArgumentException("name: a __Secure- cookie needs secure(true)");
            }
            if (sameSite == SameSite.NONE && secure != Secure.ALWAYS) {
                throw new IllegalArgumentException("sameSite: SameSite=None needs secure(true)");
            }
            return new CookieSessionIdResolver(this);
        }

        private static void checkAttribute(String option, String value) {
            if (value != null && (value.isEmpty() || !value.chars().allMatch(c -> c > 32 && c < 127 && c != ';'))) {
                throw new IllegalArgumentException(option + " must be printable ASCII without ';', was '" + value + "'");
            }
        }
    }
}
