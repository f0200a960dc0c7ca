package dev.stateless.core.token;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/** Makes revocation lists from text configuration, through the {@link RevocationListProvider}s on the class path. */
public final class RevocationLists {

    private RevocationLists() {
    }

    /**
     * Makes a list for {@code uri}: {@code memory:} for an {@link InMemoryRevocationList} (one node
     * only; takes no options), or {@code redis://host:port} and the other Redis schemes when
     * {@code stateless-redis} is on the class path. The caller owns the list and closes it.
     *
     * @param uri where the list keeps its entries ({@code redis://...}, {@code memory:}, ...)
     * @param options text options ({@code command-timeout}, {@code key-prefix}); not changed
     * @return a new list, which the caller closes
     * @throws IllegalArgumentException for an unknown scheme or a bad or unknown option, naming it
     */
    public static RevocationList create(String uri, Map<String, String> options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("revocation-uri must start with a scheme (redis://, memory:), was '" + uri + "'");
        }
        String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
        if (scheme.equals("memory")) {
            if (!options.isEmpty()) {
                throw new IllegalArgumentException("unknown revocation list options " + options.keySet());
            }
            return new InMemoryRevocationList();
        }
        for (RevocationListProvider provider
                : ServiceLoader.load(RevocationListProvider.class, RevocationLists.class.getClassLoader())) {
            if (provider.supports(scheme)) {
                return provider.create(uri, options);
            }
        }
        throw new IllegalArgumentException("no revocation list for scheme '" + scheme
                + "': is stateless-redis on the class path?");
    }
}
