package dev.stateless.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.Base64URL;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.core.token.TokenVerificationException.Reason;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public signing keys fetched from a JWKS endpoint and cached.
 *
 * <p>Policy, in the order it matters:
 * <ul>
 *   <li>Nothing cached yet (or the cache outlived the outage tolerance): the caller fetches and waits,
 *       bounded by the timeout; if no key can be had, {@code KEY_UNAVAILABLE}. Failed attempts are
 *       retried at most once per second (or per minimum refresh interval, if shorter).</li>
 *   <li>A token names a kid that is not cached: one refresh, at most once per minimum refresh interval;
 *       callers arriving while it runs wait for that same refresh. A flood of made-up kids therefore costs
 *       one request per interval, and is answered from the cache otherwise.</li>
 *   <li>The cache is older than the refresh interval: the first caller starts a refresh in the background
 *       and goes on with the cached keys (refresh-ahead); nobody waits.</li>
 *   <li>A failed refresh (down, timeout, not 200, too large, unparsable, no usable key) keeps the keys
 *       already cached. A successful one replaces them, so keys the endpoint dropped are dropped.</li>
 * </ul>
 * Thread-safe; at most one request is in flight at a time.
 */
final class JwksSource {

    private static final Logger log = LoggerFactory.getLogger(JwksSource.class);
    private static final Duration EMPTY_CACHE_RETRY = Duration.ofSeconds(1);

    private record Snapshot(List<VerificationKey> keys, Instant fetchedAt) {
        static final Snapshot NONE = new Snapshot(List.of(), null);
    }

    private final URI uri;
    /** The URI without user info, query or fragment, which may hold credentials: for messages and logs. */
    private final String safeUri;
    private final Duration timeout;
    private final int maxResponseBytes;
    private final Duration minRefreshInterval;
    private final Duration refreshInterval;
    private final Duration outageTolerance;
    private final Clock clock;
    private final HttpClient client;

    private volatile Snapshot snapshot = Snapshot.NONE;
    private final Object lock = new Object();
    private Instant lastAttempt; // guarded by lock
    private CompletableFuture<Void> inFlight; // guarded by lock

    JwksSource(JwksOptions options, Clock clock) {
        this(options.uri(), options.timeout(), options.maxResponseSize(), options.minRefreshInterval(),
                options.refreshInterval(), options.outageTolerance(), clock);
    }

    private JwksSource(URI uri, Duration timeout, int maxResponseBytes, Duration minRefreshInterval,
            Duration refreshInterval, Duration outageTolerance, Clock clock) {
        this.uri = uri;
        this.safeUri = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
        this.timeout = timeout;
        this.maxResponseBytes = maxResponseBytes;
        this.minRefreshInterval = minRefreshInterval;
        this.refreshInterval = refreshInterval;
        this.outageTolerance = outageTolerance;
        this.clock = clock;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * The keys to verify with now; fetches them first when none are usable.
     *
     * @throws TokenVerificationException KEY_UNAVAILABLE when no key can be had
     */
    List<VerificationKey> keys() {
        Snapshot current = snapshot;
        if (usable(current)) {
            if (Duration.between(current.fetchedAt(), clock.instant()).compareTo(refreshInterval) >= 0) {
                refresh(minRefreshInterval, false); // refresh-ahead, in the background
            }
            return current.keys();
        }
        Duration retry = minRefreshInterval.compareTo(EMPTY_CACHE_RETRY) < 0 ? minRefreshInterval : EMPTY_CACHE_RETRY;
        await(refresh(retry, true));
        current = snapshot;
        if (usable(current)) {
            return current.keys();
        }
        throw new TokenVerificationException(Reason.KEY_UNAVAILABLE,
                "no signing key could be obtained from the JWKS endpoint " + safeUri);
    }

    /**
     * The keys after no cached key matched a token (an unknown kid): refreshed if the rate limit allows
     * (or when a refresh is already running), else as cached. Never fails: the caller answers that no
     * key matches.
     */
    List<VerificationKey> keysAfterUnknownKey() {
        await(refresh(minRefreshInterval, true));
        Snapshot current = snapshot;
        return usable(current) ? current.keys() : List.of();
    }

    private boolean usable(Snapshot s) {
        return s.fetchedAt() != null && Duration.between(s.fetchedAt(), clock.instant()).compareTo(outageTolerance) <= 0;
    }

    /**
     * Starts a refresh unless one ran less than {@code minGap} ago; returns the refresh to wait for
     * (the new one, or with {@code join} the one already running), or null.
     */
    private CompletableFuture<Void> refresh(Duration minGap, boolean join) {
        CompletableFuture<Void> done;
        synchronized (lock) {
            if (inFlight != null) {
                return join ? inFlight : null;
            }
            Instant now = clock.instant();
            if (lastAttempt != null && Duration.between(lastAttempt, now).compareTo(minGap) < 0) {
                return null;
            }
            lastAttempt = now;
            done = new CompletableFuture<>();
            inFlight = done;
        }
        CompletableFuture<List<VerificationKey>> fetch;
        try {
            fetch = fetch();
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        fetch.whenComplete((keys, failure) -> {
            if (failure == null) {
                snapshot = new Snapshot(keys, clock.instant());
                log.debug("JWKS {} refreshed: {} usable keys", safeUri, keys.size());
            } else {
                log.warn("JWKS {} could not be refreshed, keeping {} cached keys: {}", safeUri,
                        snapshot.keys().size(), describe(failure));
            }
            synchronized (lock) {
                inFlight = null;
            }
            done.complete(null);
        });
        return done;
    }

    private void await(CompletableFuture<Void> refresh) {
        if (refresh == null) {
            return;
        }
        try {
            // the fetch has its own deadline (orTimeout); this one only guards against a hang
            refresh.get(timeout.multipliedBy(2).plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the outcome is in the snapshot: unchanged
        }
    }

    private CompletableFuture<List<VerificationKey>> fetch() {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        return client.sendAsync(request, this::bodySubscriber)
                .orTimeout(timeout.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        throw new JwksFetchException("answered HTTP " + response.statusCode());
                    }
                    return parse(response.body());
                });
    }

    private BodySubscriber<byte[]> bodySubscriber(ResponseInfo info) {
        if (info.statusCode() != 200) {
            return BodySubscribers.replacing(null);
        }
        long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
        return new LimitedBodySubscriber(maxResponseBytes, declared);
    }

    private List<VerificationKey> parse(byte[] body) {
        Map<String, Object> json = StrictJson.JWKS.parseObject(body)
                .orElseThrow(() -> new JwksFetchException("response is not a strict JSON object"));
        JWKSet set;
        Set<Base64URL> revoked;
        try {
            set = JWKSet.parse(new String(body, StandardCharsets.UTF_8));
            revoked = revokedThumbprints(json);
        } catch (java.text.ParseException | JOSEException e) {
            throw new JwksFetchException("response is not a JWK set");
        }
        Instant now = clock.instant();
        List<VerificationKey> keys = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            String skipped = skipReason(jwk, now, revoked);
            if (skipped != null) {
                log.debug("JWKS {}: key skipped: {}", safeUri, skipped);
                continue;
            }
            try {
                keys.add(VerificationKey.of(jwk));
            } catch (IllegalArgumentException e) {
                log.debug("JWKS {}: key skipped: {}", safeUri, e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw new JwksFetchException("response holds no usable public signing key");
        }
        return List.copyOf(keys);
    }

    /**
     * The thumbprints of the keys that carry a {@code revoked} member. Read from the JSON itself:
     * Nimbus 9 drops that member when it parses a key (only Nimbus 10 keeps it), and a revoked key
     * must be refused whichever Nimbus the application runs.
     */
    private static Set<Base64URL> revokedThumbprints(Map<String, Object> json)
            throws java.text.ParseException, JOSEException {
        Set<Base64URL> revoked = new HashSet<>();
        if (json.get("keys") instanceof List<?> list) {
            for (Object key : list) {
                if (key instanceof Map<?, ?> map && map.containsKey("revoked")) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> members = (Map<String, Object>) map;
                    revoked.add(JWK.parse(members).computeThumbprint());
                }
            }
        }
        return revoked;
    }

    private static String skipReason(JWK jwk, Instant now, Set<Base64URL> revoked) {
        if (jwk instanceof OctetSequenceKey) {
            return "symmetric keys are never taken from a JWKS";
        }
        if (jwk.isPrivate()) {
            return "it holds private key material";
        }
        if (revoked.contains(thumbprint(jwk))) {
            return "it is revoked";
        }
        if (jwk.getExpirationTime() != null && !now.isBefore(jwk.getExpirationTime().toInstant())) {
            return "it has expired";
        }
        return null;
    }

    private static Base64URL thumbprint(JWK jwk) {
        try {
            return jwk.computeThumbprint();
        } catch (JOSEException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static String describe(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return t instanceof JwksFetchException ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** Why a fetch failed; stays inside this class. */
    private static final class JwksFetchException extends RuntimeException {
        JwksFetchException(String message) {
            super(message, null, false, false);
        }
    }

    /** Collects a body up to a limit, and gives up (cancelling the download) beyond it. */
    private static final class LimitedBodySubscriber implements BodySubscriber<byte[]> {

        private final int limit;
        private final long declaredLength;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedBodySubscriber(int limit, long declaredLength) {
            this.limit = limit;
            this.declaredLength = declaredLength;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (declaredLength > limit) {
                tooLarge();
            } else {
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                if (buffer.size() + item.remaining() > limit) {
                    tooLarge();
                    return;
                }
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                buffer.write(bytes, 0, bytes.length);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(buffer.toByteArray());
        }

        private void tooLarge() {
            subscription.cancel();
            result.completeExceptionally(new JwksFetchException("response is larger than " + limit + " bytes"));
        }
    }

    @Override
    public String toString() {
        return "JwksSource[" + safeUri + "]";
    }
}
