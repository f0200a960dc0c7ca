package dev.stateless.core.token;

import java.util.Map;

/**
 * Makes a {@link RevocationList} from a URI and text options, so that a verifier configured from
 * text ({@code web.xml}) can check revocations. Found with {@link java.util.ServiceLoader}: a
 * backend module lists its provider in
 * {@code META-INF/services/dev.stateless.core.token.RevocationListProvider}. Callers use
 * {@link RevocationLists#create}. Implementations are stateless and thread-safe.
 */
public interface RevocationListProvider {

    /**
     * Whether this provider makes lists for URIs with this scheme ({@code redis}, lower case).
     *
     * @param scheme the URI scheme, lower case
     * @return whether this provider makes lists for that scheme
     */
    boolean supports(String scheme);

    /**
     * Makes a list; the caller owns it and closes it.
     *
     * @param uri where the list keeps its entries
     * @param options option names in kebab case ({@code command-timeout}); the provider refuses unknown ones
     * @return a new list, which the caller closes
     * @throws IllegalArgumentException for a bad URI or option, naming it
     */
    RevocationList create(String uri, Map<String, String> options);
}
