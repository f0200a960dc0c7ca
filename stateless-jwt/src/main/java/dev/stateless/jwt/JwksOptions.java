package dev.stateless.jwt;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;

/**
 * Where one issuer's JWKS endpoint is and how its keys are fetched and cached, for
 * {@link TrustedKeys.Builder#jwks} (or {@link JwtVerifier.Builder#jwks}). Immutable and thread-safe.
 *
 * <pre>{@code
 * JwksOptions jwks = JwksOptions.builder(URI.create("https://auth.example/.well-known/jwks.json"))
 *         .refreshInterval(Duration.ofMinutes(10))
 *         .build();
 * }</pre>
 *
 * <p>The keys are fetched lazily by the first verification. Only public signature keys are used (no
 * private, symmetric, {@code use=enc}, revoked or expired keys). Redirects are not followed.
 */
public final class JwksOptions {

    private final URI uri;
    private final Duration timeout;
    private final int maxResponseSize;
    private final Duration minRefreshInterval;
    private final Duration refreshInterval;
    private final Duration outageTolerance;

    private JwksOptions(Builder b) {
        this.uri = b.uri;
        this.timeout = b.timeout;
        this.maxResponseSize = b.maxResponseSize;
        this.minRefreshInterval = b.minRefreshInterval;
        this.refreshInterval = b.refreshInterval;
        this.outageTolerance = b.outageTolerance;
    }

    /**
     * The defaults for an endpoint: {@code https}, or {@code http} on a loopback address.
     *
     * @param uri the JWKS endpoint ({@code https}, or {@code http} on loopback)
     * @return the default options for that endpoint
     * @throws IllegalArgumentException for another URI
     */
    public static JwksOptions of(URI uri) {
        return builder(uri).build();
    }

    /**
     * Starts options for the JWKS endpoint {@code uri}, from the defaults.
     *
     * @param uri the JWKS endpoint ({@code https}, or {@code http} on loopback)
     * @return a builder
     */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    URI uri() {
        return uri;
    }

    Duration timeout() {
        return timeout;
    }

    int maxResponseSize() {
        return maxResponseSize;
    }

    Duration minRefreshInterval() {
        return minRefreshInterval;
    }

    Duration refreshInterval() {
        return refreshInterval;
    }

    Duration outageTolerance() {
        return outageTolerance;
    }

    /** Configuration of {@link JwksOptions}; checked by {@link #build()}, which names the option at fault. Not thread-safe. */
    public static final class Builder {

        private final URI uri;
        private Duration timeout = Duration.ofSeconds(2);
        private int maxResponseSize = 512 * 1024;
        private Duration minRefreshInterval = Duration.ofSeconds(30);
        private Duration refreshInterval = Duration.ofMinutes(5);
        private Duration outageTolerance = ChronoUnit.FOREVER.getDuration();

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "jwksUri");
        }

        /**
         * Bounds the connection and, separately, the response of a JWKS request. Default 2 s, at most 1 min.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * The largest JWKS response read, in bytes; a larger one is refused. Default 512 KiB, at least 1024.
         *
         * @param bytes at least 1
         * @return this builder
         */
        public Builder maxResponseSize(int bytes) {
            this.maxResponseSize = bytes;
            return this;
        }

        /**
         * At most one refresh for an unknown {@code kid} per this interval. Default 30 s.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder minRefreshInterval(Duration interval) {
            this.minRefreshInterval = Objects.requireNonNull(interval, "minRefreshInterval");
            return this;
        }

        /**
         * Keys older than this are refreshed in the background by the next verification. Default 5 min.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder refreshInterval(Duration interval) {
            this.refreshInterval = Objects.requireNonNull(interval, "refreshInterval");
            return this;
        }

        /**
         * How long keys from the last successful fetch stay trusted while the endpoint cannot be
         * reached. Default: unlimited (kept until a successful fetch replaces them).
         *
         * @param tolerance zero or more
         * @return this builder
         */
        public Builder outageTolerance(Duration tolerance) {
            this.outageTolerance = Objects.requireNonNull(tolerance, "outageTolerance");
            return this;
        }

        /**
         * @return the options, immutable
         * @throws IllegalArgumentException naming the option at fault ({@code jwksUri}, {@code jwksTimeout},
         * ...)
         */
        public JwksOptions build() {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http") && isLoopback(uri.getHost()))) {
                throw new IllegalArgumentException("jwksUri: must be an https URI (http only on a loopback address)");
            }
            if (notPositive(timeout) || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("jwksTimeout: must be positive and at most 1 minute, was " + timeout);
            }
            if (maxResponseSize < 1024) {
                throw new IllegalArgumentException("jwksMaxResponseSize: must be at least 1024 bytes, was "
                        + maxResponseSize);
            }
            if (minRefreshInterval.isNegative()) {
                throw new IllegalArgumentException("jwksMinRefreshInterval: must not be negative, was "
                        + minRefreshInterval);
            }
            if (notPositive(refreshInterval)) {
                throw new IllegalArgumentException("jwksRefreshInterval: must be positive, was " + refreshInterval);
            }
            if (notPositive(outageTolerance)) {
                throw new IllegalArgumentException("jwksOutageTolerance: must be positive, was " + outageTolerance);
            }
            return new JwksOptions(this);
        }

        private static boolean isLoopback(String host) {
            String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            if (h.equalsIgnoreCase("localhost")) {
                return true;
            }
            if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                return false; // a name other than localhost would need DNS; it is not a loopback literal
            }
            try {
                return InetAddress.getByName(h).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }

        private static boolean notPositive(Duration d) {
            return d.isNegative() || d.isZero();
        }
    }
}
