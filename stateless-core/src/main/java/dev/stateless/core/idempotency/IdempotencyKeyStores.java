package dev.stateless.core.idempotency;

import dev.stateless.core.session.SessionStores;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/** Makes idempotency key stores from text configuration, through the {@link IdempotencyKeyStoreProvider}s on the class path. */
public final class IdempotencyKeyStores {

    private IdempotencyKeyStores() {
    }

    /**
     * Makes a store for {@code uri}: {@code memory:} for an {@link InMemoryIdempotencyKeyStore} (one
     * node only), or {@code redis://host:port}, {@code rediss://}, {@code redis-sentinel://},
     * {@code redis-cluster://} when {@code stateless-redis} is on the class path. Options every
     * store takes: {@code lease} and {@code retention} (ISO-8601 such as {@code PT30S}, or seconds).
     * The caller owns the store and closes it.
     *
     * @param uri where the store keeps its records ({@code redis://...}, {@code memory:}, ...)
     * @param options text options ({@code lease}, {@code retention}, ...); not changed
     * @return a new store, which the caller closes
     * @throws IllegalArgumentException for an unknown scheme or a bad or unknown option, naming it
     */
    public static IdempotencyKeyStore create(String uri, Map<String, String> options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        String scheme = scheme("store-uri", uri);
        if (scheme.equals("memory")) {
            Map<String, String> left = new LinkedHashMap<>(options);
            InMemoryIdempotencyKeyStore.Builder builder = InMemoryIdempotencyKeyStore.builder();
            applyCommon(builder, left);
            requireEmpty(left);
            return builder.build();
        }
        for (IdempotencyKeyStoreProvider provider
                : ServiceLoader.load(IdempotencyKeyStoreProvider.class, IdempotencyKeyStores.class.getClassLoader())) {
            if (provider.supports(scheme)) {
                return provider.create(uri, options);
            }
        }
        throw new IllegalArgumentException("no idempotency key store for scheme '" + scheme
                + "': is stateless-redis on the class path?");
    }

    /**
     * Applies {@code lease} and {@code retention}, removing them from {@code options}; for providers.
     *
     * @param builder the store's builder, given each option found
     * @param options text options; the ones applied are removed
     */
    public static void applyCommon(IdempotencySettings.Builder<?> builder, Map<String, String> options) {
        String lease = options.remove("lease");
        if (lease != null) {
            builder.lease(SessionStores.duration("lease", lease));
        }
        String retention = options.remove("retention");
        if (retention != null) {
            builder.retention(SessionStores.duration("retention", retention));
        }
    }

    /**
     * Fails on options nobody took; for providers.
     *
     * @param options what is left of the options after a provider took its own
     */
    public static void requireEmpty(Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("unknown store options " + options.keySet());
        }
    }

    static String scheme(String option, String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(option + " must start with a scheme (redis://, memory:), was '" + uri + "'");
        }
        return uri.substring(0, colon).toLowerCase(Locale.ROOT);
    }
}
