package dev.stateless.spring.boot;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code stateless.*} properties. Only {@code stateless.redis.uri} is needed for shared sessions;
 * {@code stateless.idempotency.paths} turns on exactly-once writes for those paths, and
 * {@code stateless.jwt.jwks-uri} (or {@code hmac-secret}) bearer tokens.
 */
@ConfigurationProperties("stateless")
public class StatelessProperties {

    /**
     * Order of the session filter; the idempotency filter runs 10 before it and the bearer token
     * filter 20 before it. It must run before Spring Security's filter chain
     * ({@code spring.security.filter.order}, -100 by default), whose security context lives in the session.
     */
    private int filterOrder = -110;

    private final Redis redis = new Redis();
    private final Session session = new Session();
    private final Idempotency idempotency = new Idempotency();
    private final Jwt jwt = new Jwt();
    private final Revocation revocation = new Revocation();
    private final Metrics metrics = new Metrics();

    /**
     * Order of the session filter; the idempotency filter runs 10 before it and the bearer token filter 20
     * before it. It must run before Spring Security's filter chain ({@code spring.security.filter.order},
     * -100 by default), whose security context lives in the session.
     *
     * @return the current value
     */
    public int getFilterOrder() {
        return filterOrder;
    }

    /**
     * Sets what {@link #getFilterOrder()} returns.
     *
     * @param filterOrder the new value
     */
    public void setFilterOrder(int filterOrder) {
        this.filterOrder = filterOrder;
    }

    /**
     * The Redis connection ({@code stateless.redis.*}).
     *
     * @return the group, to read or change
     */
    public Redis getRedis() {
        return redis;
    }

    /**
     * The session options ({@code stateless.session.*}).
     *
     * @return the group, to read or change
     */
    public Session getSession() {
        return session;
    }

    /**
     * The idempotency options ({@code stateless.idempotency.*}).
     *
     * @return the group, to read or change
     */
    public Idempotency getIdempotency() {
        return idempotency;
    }

    /**
     * The bearer token options ({@code stateless.jwt.*}).
     *
     * @return the group, to read or change
     */
    public Jwt getJwt() {
        return jwt;
    }

    /**
     * The token revocation options ({@code stateless.revocation.*}).
     *
     * @return the group, to read or change
     */
    public Revocation getRevocation() {
        return revocation;
    }

    /**
     * The metrics settings.
     *
     * @return the metrics settings
     */
    public Metrics getMetrics() {
        return metrics;
    }

    /**
     * Whether the stores, the verifier and the idempotency filter get the application's
     * {@code MeterRegistry}: {@code stateless.metrics.enabled} and Micrometer on {@code loader}.
     */
    boolean metricsOn(ClassLoader loader) {
        return metrics.isEnabled() && org.springframework.util.ClassUtils.isPresent(StatelessMeters.METER_REGISTRY, loader);
    }

    /**
     * Makes something from properties of {@code group}; an option the library refuses fails startup
     * with the group's name before the library's message.
     */
    static <T> T checked(String group, Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(group + ": " + e.getMessage(), e);
        }
    }

    /** The one Redis connection all stores share. */
    public static class Redis {

        /**
         * Where Redis is: redis://host:6379, rediss:// for TLS,
         * redis-sentinel://host:26379#master, or redis-cluster://host1:7000,host2:7000.
         */
        private String uri;

        /** How long one Redis command may take before it fails as unavailable (then 503). */
        private Duration commandTimeout = Duration.ofSeconds(2);

        /** Prefix of every key the stores write; no '{' or '}'. */
        private String keyPrefix = "stateless:";

        /**
         * Where Redis is: redis://host:6379, rediss:// for TLS, redis-sentinel://host:26379#master, or
         * redis-cluster://host1:7000,host2:7000.
         *
         * @return the current value
         */
        public String getUri() {
            return uri;
        }

        /**
         * Sets what {@link #getUri()} returns.
         *
         * @param uri the new value
         */
        public void setUri(String uri) {
            this.uri = uri;
        }

        /**
         * How long one Redis command may take before it fails as unavailable (then 503).
         *
         * @return the current value
         */
        public Duration getCommandTimeout() {
            return commandTimeout;
        }

        /**
         * Sets what {@link #getCommandTimeout()} returns.
         *
         * @param commandTimeout the new value
         */
        public void setCommandTimeout(Duration commandTimeout) {
            this.commandTimeout = commandTimeout;
        }

        /**
         * Prefix of every key the stores write; no '{' or '}'.
         *
         * @return the current value
         */
        public String getKeyPrefix() {
            return keyPrefix;
        }

        /**
         * Sets what {@link #getKeyPrefix()} returns.
         *
         * @param keyPrefix the new value
         */
        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }
    }

    /** The HTTP session in Redis. */
    public static class Session {

        /** Whether the application's HttpSession lives in Redis. */
        private boolean enabled = true;

        /** How long a session lives without requests. */
        private Duration idleTimeout = Duration.ofMinutes(30);

        /** The longest a session lives, however active. */
        private Duration absoluteTimeout = Duration.ofHours(12);

        /** How the session's values are stored: json or serializable (default: serializable when Spring Security is present, whose SecurityContext JSON cannot carry, else json). */
        private Codec codec;

        /**
         * The application's session value types: class names, com.example.* (one package) or
         * com.example.** (with subpackages). JDK values need no entry; with Spring Security its
         * types are added.
         */
        private List<String> types = new ArrayList<>();

        /** Sessions one principal may have at once; a login past it ends the least recently used one (0: no limit). */
        private int maxSessionsPerPrincipal;

        /** Whether the session id changes when an anonymous session first sees a user (session fixation). */
        private boolean rotateIdOnLogin = true;

        /** Whether ids also travel in URLs written with encodeURL, for clients without cookies. */
        private boolean urlRewriting;

        private final Cookie cookie = new Cookie();

        /**
         * Whether the application's HttpSession lives in Redis.
         *
         * @return the current value
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets what {@link #isEnabled()} returns.
         *
         * @param enabled the new value
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * How long a session lives without requests.
         *
         * @return the current value
         */
        public Duration getIdleTimeout() {
            return idleTimeout;
        }

        /**
         * Sets what {@link #getIdleTimeout()} returns.
         *
         * @param idleTimeout the new value
         */
        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        /**
         * The longest a session lives, however active.
         *
         * @return the current value
         */
        public Duration getAbsoluteTimeout() {
            return absoluteTimeout;
        }

        /**
         * Sets what {@link #getAbsoluteTimeout()} returns.
         *
         * @param absoluteTimeout the new value
         */
        public void setAbsoluteTimeout(Duration absoluteTimeout) {
            this.absoluteTimeout = absoluteTimeout;
        }

        /**
         * How the session's values are stored: json or serializable (default: serializable when Spring
         * Security is present, whose SecurityContext JSON cannot carry, else json).
         *
         * @return the current value
         */
        public Codec getCodec() {
            return codec;
        }

        /**
         * Sets what {@link #getCodec()} returns.
         *
         * @param codec the new value
         */
        public void setCodec(Codec codec) {
            this.codec = codec;
        }

        /**
         * The application's session value types: class names, com.example.* (one package) or com.example.**
         * (with subpackages). JDK values need no entry; with Spring Security its types are added.
         *
         * @return the current value
         */
        public List<String> getTypes() {
            return types;
        }

        /**
         * Sets what {@link #getTypes()} returns.
         *
         * @param types the new value
         */
        public void setTypes(List<String> types) {
            this.types = types;
        }

        /**
         * Sessions one principal may have at once; a login past it ends the least recently used one (0: no
         * limit).
         *
         * @return the current value
         */
        public int getMaxSessionsPerPrincipal() {
            return maxSessionsPerPrincipal;
        }

        /**
         * Sets what {@link #getMaxSessionsPerPrincipal()} returns.
         *
         * @param maxSessionsPerPrincipal the new value
         */
        public void setMaxSessionsPerPrincipal(int maxSessionsPerPrincipal) {
            this.maxSessionsPerPrincipal = maxSessionsPerPrincipal;
        }

        /**
         * Whether the session id changes when an anonymous session first sees a user (session fixation).
         *
         * @return the current value
         */
        public boolean isRotateIdOnLogin() {
            return rotateIdOnLogin;
        }

        /**
         * Sets what {@link #isRotateIdOnLogin()} returns.
         *
         * @param rotateIdOnLogin the new value
         */
        public void setRotateIdOnLogin(boolean rotateIdOnLogin) {
            this.rotateIdOnLogin = rotateIdOnLogin;
        }

        /**
         * Whether ids also travel in URLs written with encodeURL, for clients without cookies.
         *
         * @return the current value
         */
        public boolean isUrlRewriting() {
            return urlRewriting;
        }

        /**
         * Sets what {@link #isUrlRewriting()} returns.
         *
         * @param urlRewriting the new value
         */
        public void setUrlRewriting(boolean urlRewriting) {
            this.urlRewriting = urlRewriting;
        }

        /**
         * The session cookie ({@code stateless.session.cookie.*}).
         *
         * @return the group, to read or change
         */
        public Cookie getCookie() {
            return cookie;
        }
    }

    /** How session values are encoded. */
    public enum Codec {
        /** JSON with a type allow-list: readable in Redis, for records, enums and plain beans. */
        JSON,
        /** Java serialization behind an ObjectInputFilter built from the allow-list: for Serializable types such as Spring Security's. */
        SERIALIZABLE
    }

    /** The session cookie. */
    public static class Cookie {

        /** Cookie name; not the container's JSESSIONID, which container login keeps using. */
        private String name = "SESSION";

        /** Cookie path (default the context path). */
        private String path;

        /** Cookie domain (default the request's host). */
        private String domain;

        /** Whether the cookie is Secure: always, never, or from-request (on HTTPS requests only). */
        private String secure = "from-request";

        /** Whether scripts cannot read the cookie. */
        private boolean httpOnly = true;

        /** SameSite attribute: lax, strict or none. */
        private String sameSite = "lax";

        /** Cookie lifetime; unset: until the browser closes. */
        private Duration maxAge;

        /**
         * Cookie name; not the container's JSESSIONID, which container login keeps using.
         *
         * @return the current value
         */
        public String getName() {
            return name;
        }

        /**
         * Sets what {@link #getName()} returns.
         *
         * @param name the new value
         */
        public void setName(String name) {
            this.name = name;
        }

        /**
         * Cookie path (default the context path).
         *
         * @return the current value
         */
        public String getPath() {
            return path;
        }

        /**
         * Sets what {@link #getPath()} returns.
         *
         * @param path the new value
         */
        public void setPath(String path) {
            this.path = path;
        }

        /**
         * Cookie domain (default the request's host).
         *
         * @return the current value
         */
        public String getDomain() {
            return domain;
        }

        /**
         * Sets what {@link #getDomain()} returns.
         *
         * @param domain the new value
         */
        public void setDomain(String domain) {
            this.domain = domain;
        }

        /**
         * Whether the cookie is Secure: always, never, or from-request (on HTTPS requests only).
         *
         * @return the current value
         */
        public String getSecure() {
            return secure;
        }

        /**
         * Sets what {@link #getSecure()} returns.
         *
         * @param secure the new value
         */
        public void setSecure(String secure) {
            this.secure = secure;
        }

        /**
         * Whether scripts cannot read the cookie.
         *
         * @return the current value
         */
        public boolean isHttpOnly() {
            return httpOnly;
        }

        /**
         * Sets what {@link #isHttpOnly()} returns.
         *
         * @param httpOnly the new value
         */
        public void setHttpOnly(boolean httpOnly) {
            this.httpOnly = httpOnly;
        }

        /**
         * SameSite attribute: lax, strict or none.
         *
         * @return the current value
         */
        public String getSameSite() {
            return sameSite;
        }

        /**
         * Sets what {@link #getSameSite()} returns.
         *
         * @param sameSite the new value
         */
        public void setSameSite(String sameSite) {
            this.sameSite = sameSite;
        }

        /**
         * Cookie lifetime; unset: until the browser closes.
         *
         * @return the current value
         */
        public Duration getMaxAge() {
            return maxAge;
        }

        /**
         * Sets what {@link #getMaxAge()} returns.
         *
         * @param maxAge the new value
         */
        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }
    }

    /** Exactly-once writes (the Idempotency-Key header). */
    public static class Idempotency {

        /** Paths whose writes are idempotent (exact paths or /prefix/*); none: the filter is not registered. */
        private List<String> paths = new ArrayList<>();

        /** Methods the filter handles. */
        private List<String> methods = new ArrayList<>(List.of("POST", "PATCH"));

        /** Whether a request without a key is refused (400). */
        private boolean required;

        /** How long a running request holds its key before another node may run it. */
        private Duration lease = Duration.ofSeconds(30);

        /** How long an answer is kept for replays. */
        private Duration retention = Duration.ofHours(24);

        /** New keys one user (or session) may start per hour (0: no limit). */
        private int maxRecordsPerHour;

        /** Largest request body fingerprinted, in bytes; larger gets 413. */
        private long maxBodySize = 1048576;

        /** Whether requests run unprotected while Redis is away (default: 503, nothing runs). */
        private boolean failOpen;

        /**
         * Paths whose writes are idempotent (exact paths or /prefix/*); none: the filter is not registered.
         *
         * @return the current value
         */
        public List<String> getPaths() {
            return paths;
        }

        /**
         * Sets what {@link #getPaths()} returns.
         *
         * @param paths the new value
         */
        public void setPaths(List<String> paths) {
            this.paths = paths;
        }

        /**
         * Methods the filter handles.
         *
         * @return the current value
         */
        public List<String> getMethods() {
            return methods;
        }

        /**
         * Sets what {@link #getMethods()} returns.
         *
         * @param methods the new value
         */
        public void setMethods(List<String> methods) {
            this.methods = methods;
        }

        /**
         * Whether a request without a key is refused (400).
         *
         * @return the current value
         */
        public boolean isRequired() {
            return required;
        }

        /**
         * Sets what {@link #isRequired()} returns.
         *
         * @param required the new value
         */
        public void setRequired(boolean required) {
            this.required = required;
        }

        /**
         * How long a running request holds its key before another node may run it.
         *
         * @return the current value
         */
        public Duration getLease() {
            return lease;
        }

        /**
         * Sets what {@link #getLease()} returns.
         *
         * @param lease the new value
         */
        public void setLease(Duration lease) {
            this.lease = lease;
        }

        /**
         * How long an answer is kept for replays.
         *
         * @return the current value
         */
        public Duration getRetention() {
            return retention;
        }

        /**
         * Sets what {@link #getRetention()} returns.
         *
         * @param retention the new value
         */
        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        /**
         * New keys one user (or session) may start per hour (0: no limit).
         *
         * @return the current value
         */
        public int getMaxRecordsPerHour() {
            return maxRecordsPerHour;
        }

        /**
         * Sets what {@link #getMaxRecordsPerHour()} returns.
         *
         * @param maxRecordsPerHour the new value
         */
        public void setMaxRecordsPerHour(int maxRecordsPerHour) {
            this.maxRecordsPerHour = maxRecordsPerHour;
        }

        /**
         * Largest request body fingerprinted, in bytes; larger gets 413.
         *
         * @return the current value
         */
        public long getMaxBodySize() {
            return maxBodySize;
        }

        /**
         * Sets what {@link #getMaxBodySize()} returns.
         *
         * @param maxBodySize the new value
         */
        public void setMaxBodySize(long maxBodySize) {
            this.maxBodySize = maxBodySize;
        }

        /**
         * Whether requests run unprotected while Redis is away (default: 503, nothing runs).
         *
         * @return the current value
         */
        public boolean isFailOpen() {
            return failOpen;
        }

        /**
         * Sets what {@link #isFailOpen()} returns.
         *
         * @param failOpen the new value
         */
        public void setFailOpen(boolean failOpen) {
            this.failOpen = failOpen;
        }
    }

    /** Bearer tokens (JWT), verified on every node. */
    public static class Jwt {

        /** The issuer's JWKS endpoint (https, or http on loopback). */
        private URI jwksUri;

        /** A shared HMAC secret of at least 32 bytes (UTF-8), instead of a JWKS; take it from the environment. */
        private String hmacSecret;

        /** The trusted issuer (iss); when set, iss is required and must match. */
        private List<String> issuers = new ArrayList<>();

        /** Accepted audiences (aud); when set, one of them is required. */
        private List<String> audiences = new ArrayList<>();

        /** Clock difference allowed for exp and nbf. */
        private Duration clockSkew = Duration.ofSeconds(60);

        /** Claims that carry roles (roles, scope). */
        private List<String> rolesClaims = new ArrayList<>(List.of("roles", "scope"));

        /** Servlet URL patterns the bearer token filter guards; a request there without a token gets 401 unless its path is anonymous. */
        private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

        /** Paths under the URL patterns that pass without a token (exact paths or /prefix/*). */
        private List<String> anonymous = new ArrayList<>();

        /** Realm in WWW-Authenticate. */
        private String realm;

        /**
         * The issuer's JWKS endpoint (https, or http on loopback).
         *
         * @return the current value
         */
        public URI getJwksUri() {
            return jwksUri;
        }

        /**
         * Sets what {@link #getJwksUri()} returns.
         *
         * @param jwksUri the new value
         */
        public void setJwksUri(URI jwksUri) {
            this.jwksUri = jwksUri;
        }

        /**
         * A shared HMAC secret of at least 32 bytes (UTF-8), instead of a JWKS; take it from the environment.
         *
         * @return the current value
         */
        public String getHmacSecret() {
            return hmacSecret;
        }

        /**
         * Sets what {@link #getHmacSecret()} returns.
         *
         * @param hmacSecret the new value
         */
        public void setHmacSecret(String hmacSecret) {
            this.hmacSecret = hmacSecret;
        }

        /**
         * The trusted issuer (iss); when set, iss is required and must match.
         *
         * @return the current value
         */
        public List<String> getIssuers() {
            return issuers;
        }

        /**
         * Sets what {@link #getIssuers()} returns.
         *
         * @param issuers the new value
         */
        public void setIssuers(List<String> issuers) {
            this.issuers = issuers;
        }

        /**
         * Accepted audiences (aud); when set, one of them is required.
         *
         * @return the current value
         */
        public List<String> getAudiences() {
            return audiences;
        }

        /**
         * Sets what {@link #getAudiences()} returns.
         *
         * @param audiences the new value
         */
        public void setAudiences(List<String> audiences) {
            this.audiences = audiences;
        }

        /**
         * Clock difference allowed for exp and nbf.
         *
         * @return the current value
         */
        public Duration getClockSkew() {
            return clockSkew;
        }

        /**
         * Sets what {@link #getClockSkew()} returns.
         *
         * @param clockSkew the new value
         */
        public void setClockSkew(Duration clockSkew) {
            this.clockSkew = clockSkew;
        }

        /**
         * Claims that carry roles (roles, scope).
         *
         * @return the current value
         */
        public List<String> getRolesClaims() {
            return rolesClaims;
        }

        /**
         * Sets what {@link #getRolesClaims()} returns.
         *
         * @param rolesClaims the new value
         */
        public void setRolesClaims(List<String> rolesClaims) {
            this.rolesClaims = rolesClaims;
        }

        /**
         * Servlet URL patterns the bearer token filter guards; a request there without a token gets 401
         * unless its path is anonymous.
         *
         * @return the current value
         */
        public List<String> getUrlPatterns() {
            return urlPatterns;
        }

        /**
         * Sets what {@link #getUrlPatterns()} returns.
         *
         * @param urlPatterns the new value
         */
        public void setUrlPatterns(List<String> urlPatterns) {
            this.urlPatterns = urlPatterns;
        }

        /**
         * Paths under the URL patterns that pass without a token (exact paths or /prefix/*).
         *
         * @return the current value
         */
        public List<String> getAnonymous() {
            return anonymous;
        }

        /**
         * Sets what {@link #getAnonymous()} returns.
         *
         * @param anonymous the new value
         */
        public void setAnonymous(List<String> anonymous) {
            this.anonymous = anonymous;
        }

        /**
         * Realm in WWW-Authenticate.
         *
         * @return the current value
         */
        public String getRealm() {
            return realm;
        }

        /**
         * Sets what {@link #getRealm()} returns.
         *
         * @param realm the new value
         */
        public void setRealm(String realm) {
            this.realm = realm;
        }
    }

    /** The token revocation list in Redis (logout for bearer tokens). */
    public static class Revocation {

        /** Whether the verifier checks revoked tokens in Redis (then every token needs a jti). */
        private boolean enabled = true;

        /**
         * Whether the verifier checks revoked tokens in Redis (then every token needs a jti).
         *
         * @return the current value
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets what {@link #isEnabled()} returns.
         *
         * @param enabled the new value
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** Micrometer meters of the stores, the verifier and the idempotency filter. */
    public static class Metrics {

        /**
         * Whether the application's MeterRegistry (Micrometer, e.g. from Spring Boot Actuator)
         * records the stateless.* meters and Lettuce's command latencies.
         */
        private boolean enabled = true;

        /**
         * Whether the meters are recorded.
         *
         * @return whether the meters are recorded
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether the meters are recorded.
         *
         * @param enabled whether the meters are recorded
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }
}
