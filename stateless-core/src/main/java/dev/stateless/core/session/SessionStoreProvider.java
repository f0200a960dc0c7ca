package dev.stateless.core.session;

import java.util.Map;

/**
 * Makes a {@link SessionStore} from a URI and text options, so that stores can be configured
 * from text ({@code web.xml}, properties). Found with {@link java.util.ServiceLoader}: a backend
 * module lists its provider in {@code META-INF/services/dev.stateless.core.session.SessionStoreProvider}.
 * See {@link SessionStores#create}.
 */
public interface SessionStoreProvider {

    /**
     * Whether this provider makes stores for URIs with this scheme ({@code redis}, {@code memory}).
     *
     * @param scheme the URI scheme, lower case ({@code redis}, {@code memory}, ...)
     * @return whether this provider makes stores for that scheme
     */
    boolean supports(String scheme);

    /**
     * Makes a store.
     *
     * @param uri where the store keeps its sessions, of a scheme this provider supports
     * @param options option names in kebab case ({@code idle-timeout}); the provider refuses unknown ones
     * @return a new store, which the caller closes
     * @throws IllegalArgumentException for a bad URI or option, naming it
     */
    SessionStore create(String uri, Map<String, String> options);

    /**
     * Makes a store whose codec resolves the application's types ({@code codec-types}) with
     * {@code loader}. Providers apply the shared options with
     * {@link SessionStores#applyCommon(SessionSettings.Builder, Map, ClassLoader)}; the default
     * ignores {@code loader} and calls {@link #create(String, Map)}, where
     * {@link SessionStores#applyCommon(SessionSettings.Builder, Map)} uses the thread's context
     * class loader.
     *
     * @param uri where the store keeps its sessions
     * @param options text options
     * @param loader loads the classes the codec options name (the webapp's)
     * @return a new store, which the caller closes
     * @throws IllegalArgumentException for a bad URI or option, naming it
     */
    default SessionStore create(String uri, Map<String, String> options, ClassLoader loader) {
        return create(uri, options);
    }
}
