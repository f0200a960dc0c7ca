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

    public int getFilterOrder() {
        return filterOrder;
    }

    public void setFilterOrder(int filterOrder) {
        this.filterOrder = filterOrder;
    }

    public Redis getRedis() {
        return redis;
    }

    public Session getSession() {
        return session;
    }

    public Idempotency getIdempotency() {
        return idempotency;
    }

    public Jwt getJwt() {
        return jwt;
    }

    public Revocation getRevocation() {
        return revocation;
    }

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

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public Duration getCommandTimeout() {
            return commandTimeout;
        }

        public void setCommandTimeout(Duration commandTimeout) {
            this.commandTimeout = commandTimeout;
        }

        public String getKeyPrefix() {
            return keyPrefix;
        }

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

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getIdleTimeout() {
            return idleTimeout;
        }

        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        public Duration getAbsoluteTimeout() {
            return absoluteTimeout;
        }

        public void setAbsoluteTimeout(Duration absoluteTimeout) {
            this.absoluteTimeout = absoluteTimeout;
        }

        public Codec getCodec() {
            return codec;
        }

        public void setCodec(Codec codec) {
            this.codec = codec;
        }

        public List<String> getTypes() {
            return types;
        }

        public void setTypes(List<String> types) {
            this.types = types;
        }

        public int getMaxSessionsPerPrincipal() {
            return maxSessionsPerPrincipal;
        }

        public void setMaxSessionsPerPrincipal(int maxSessionsPerPrincipal) {
            this.maxSessionsPerPrincipal = maxSessionsPerPrincipal;
        }

        public boolean isRotateIdOnLogin() {
            return rotateIdOnLogin;
        }

        public void setRotateIdOnLogin(boolean rotateIdOnLogin) {
            this.rotateIdOnLogin = rotateIdOnLogin;
        }

        public boolean isUrlRewriting() {
            return urlRewriting;
        }

        public void setUrlRewriting(boolean urlRewriting) {
            this.urlRewriting = urlRewriting;
        }

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

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public String getDomain() {
            return domain;
        }

        public void setDomain(String domain) {
            this.domain = domain;
        }

        public String getSecure() {
            return secure;
        }

        public void setSecure(String secure) {
            this.secure = secure;
        }

        public boolean isHttpOnly() {
            return httpOnly;
        }

        public void setHttpOnly(boolean httpOnly) {
            this.httpOnly = httpOnly;
        }

        public String getSameSite() {
            return sameSite;
        }

        public void setSameSite(String sameSite) {
            this.sameSite = sameSite;
        }

        public Duration getMaxAge() {
            return maxAge;
        }

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

        public List<String> getPaths() {
            return paths;
        }

        public void setPaths(List<String> paths) {
            this.paths = paths;
        }

        public List<String> getMethods() {
            return methods;
        }

        public void setMethods(List<String> methods) {
            this.methods = methods;
        }

        public boolean isRequired() {
            return required;
        }

        public void setRequired(boolean required) {
            this.required = required;
        }

        public Duration getLease() {
            return lease;
        }

        public void setLease(Duration lease) {
            this.lease = lease;
        }

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        public int getMaxRecordsPerHour() {
            return maxRecordsPerHour;
        }

        public void setMaxRecordsPerHour(int maxRecordsPerHour) {
            this.maxRecordsPerHour = maxRecordsPerHour;
        }

        public long getMaxBodySize() {
            return maxBodySize;
        }

        public void setMaxBodySize(long maxBodySize) {
            this.maxBodySize = maxBodySize;
        }

        public boolean isFailOpen() {
            return failOpen;
        }

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

        public URI getJwksUri() {
            return jwksUri;
        }

        public void setJwksUri(URI jwksUri) {
            this.jwksUri = jwksUri;
        }

        public String getHmacSecret() {
            return hmacSecret;
        }

        public void setHmacSecret(String hmacSecret) {
            this.hmacSecret = hmacSecret;
        }

        public List<String> getIssuers() {
            return issuers;
        }

        public void setIssuers(List<String> issuers) {
            this.issuers = issuers;
        }

        public List<String> getAudiences() {
            return audiences;
        }

        public void setAudiences(List<String> audiences) {
            this.audiences = audiences;
        }

        public Duration getClockSkew() {
            return clockSkew;
        }

        public void setClockSkew(Duration clockSkew) {
            this.clockSkew = clockSkew;
        }

        public List<String> getRolesClaims() {
            return rolesClaims;
        }

        public void setRolesClaims(List<String> rolesClaims) {
            this.rolesClaims = rolesClaims;
        }

        public List<String> getUrlPatterns() {
            return urlPatterns;
        }

        public void setUrlPatterns(List<String> urlPatterns) {
            this.urlPatterns = urlPatterns;
        }

        public List<String> getAnonymous() {
            return anonymous;
        }

        public void setAnonymous(List<String> anonymous) {
            this.anonymous = anonymous;
        }

        public String getRealm() {
            return realm;
        }

        public void setRealm(String realm) {
            this.realm = realm;
        }
    }

    /** The token revocation list in Redis (logout for bearer tokens). */
    public static class Revocation {

        /** Whether the verifier checks revoked tokens in Redis (then every token needs a jti). */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

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

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }
}
