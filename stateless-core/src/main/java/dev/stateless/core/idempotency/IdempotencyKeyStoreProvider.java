package dev.stateless.core.idempotency;

import java.util.Map;

/**
 * Makes an {@link IdempotencyKeyStore} from a URI and text options, so that a store can be
 * configured from text ({@code web.xml}, properties). Found with {@link java.util.ServiceLoader}: a
 * backend module lists its provider in
 * {@code META-INF/services/dev.stateless.core.idempotency.IdempotencyKeyStoreProvider}. Callers use
 * {@link IdempotencyKeyStores#create}. Implementations are stateless and thread-safe.
 */
public interface IdempotencyKeyStoreProvider {

    /**
     * Whether this provider makes stores for URIs with this scheme ({@code redis}, lower case).
     *
     * @param scheme the URI scheme, lower case ({@code redis}, {@code memory}, ...)
     * @return whether this provider makes stores for that scheme
     */
    boolean supports(String scheme);

    /**
     * Makes a store; the caller owns it and closes it.
     *
     * @param uri where the store keeps its records, of a scheme this provider supports
     * @param options option names in kebab case ({@code lease}); the provider refuses unknown ones
     * @return a new store, which the caller closes
     * @throws IllegalArgumentException for a bad URI or option, naming it
     */
    IdempotencyKeyStore create(String uri, Map<String, String> options);
}
