package dev.stateless.core.session;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/** Makes stores from text configuration, through the {@link SessionStoreProvider}s on the class path. */
public final class SessionStores {

    private SessionStores() {
    }

    /**
     * Makes a store for {@code uri}, resolving {@code codec-types} with the thread's context class
     * loader (in a servlet container, the webapp's while it starts). See
     * {@link #create(String, Map, ClassLoader)}.
     *
     * @param uri where the store keeps its sessions ({@code redis://...}, {@code memory:}, ...)
     * @param options text options ({@code idle-timeout}, {@code codec-types}, ...); not changed
     * @return a new store, which the caller closes
     * @throws IllegalArgumentException for an unknown scheme or a bad option
     */
    public static SessionStore create(String uri, Map<String, String> options) {
        return create(uri, options, TypeAllowList.defaultLoader());
    }

    /**
     * Makes a store for {@code uri}: {@code memory:} for an {@link InMemorySessionStore}, or
     * {@code redis://host:port} and the like when {@code stateless-redis} is on the class path.
     * Options every store takes: {@code idle-timeout}, {@code absolute-timeout}, {@code touch-interval}
     * (ISO-8601 such as {@code PT30M}, or seconds), {@code max-sessions-per-principal} (a whole
     * number; default no limit), and the codec's ({@code codec},
     * {@code codec-types}, {@code codec-max-depth}... see {@link AttributeCodecs#fromOptions}).
     *
     * @param uri where the store keeps its sessions ({@code redis://...}, {@code memory:}, ...)
     * @param options text options ({@code idle-timeout}, {@code codec-types}, ...); not changed
     * @param loader resolves the class names and packages of {@code codec-types} (the webapp's class loader)
     * @return a new store, which the caller closes
     * @throws IllegalArgumentException for an unknown scheme or a bad option, naming it
     */
    public static SessionStore create(String uri, Map<String, String> options, ClassLoader loader) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(loader, "loader");
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("store-uri must start with a scheme (redis://, memory:), was '" + uri + "'");
        }
        String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
        if (scheme.equals("memory")) {
            Map<String, String> left = new LinkedHashMap<>(options);
            InMemorySessionStore.Builder builder = InMemorySessionStore.builder();
            applyCommon(builder, left, loader);
            requireEmpty(left);
            return builder.build();
        }
        for (SessionStoreProvider provider : ServiceLoader.load(SessionStoreProvider.class, SessionStores.class.getClassLoader())) {
            if (provider.supports(scheme)) {
                return provider.create(uri, options, loader);
            }
        }
        throw new IllegalArgumentException("no session store for scheme '" + scheme
                + "': is stateless-redis on the class path?");
    }

    /**
     * Applies the options every store shares, removing them from {@code options}, with the codec's
     * class names resolved by the thread's context class loader; for providers.
     *
     * @param builder the store's builder, given each option found
     * @param options text options; the ones applied are removed
     */
    public static void applyCommon(SessionSettings.Builder<?> builder, Map<String, String> options) {
        applyCommon(builder, options, TypeAllowList.defaultLoader());
    }

    /**
     * Applies the options every store shares, codec options included ({@link AttributeCodecs}),
     * removing them from {@code options}; for providers.
     *
     * @param builder the store's builder, given each option found
     * @param options text options; the ones applied are removed
     * @param loader resolves the class names and packages of {@code codec-types}
     * @throws IllegalArgumentException for a bad option, naming it
     */
    public static void applyCommon(SessionSettings.Builder<?> builder, Map<String, String> options, ClassLoader loader) {
        String idle = options.remove("idle-timeout");
        if (idle != null) {
            builder.idleTimeout(duration("idle-timeout", idle));
        }
        String absolute = options.remove("absolute-timeout");
        if (absolute != null) {
            builder.absoluteTimeout(duration("absolute-timeout", absolute));
        }
        String touch = options.remove("touch-interval");
        if (touch != null) {
            builder.touchInterval(duration("touch-interval", touch));
        }
        String max = options.remove("max-sessions-per-principal");
        if (max != null) {
            int parsed;
            try {
                parsed = Integer.parseInt(max.trim());
            } catch (NumberFormatException e) {
                parsed = 0;
            }
            if (parsed < 1) {
                throw new IllegalArgumentException("max-sessions-per-principal must be a whole number of at least 1, was '"
                        + max + "'");
            }
            builder.maxSessionsPerPrincipal(parsed);
        }
        if (AttributeCodecs.OPTIONS.stream().anyMatch(options::containsKey)) {
            builder.codec(AttributeCodecs.fromOptions(options, loader));
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

    /**
     * Reads a duration written as ISO-8601 ({@code PT30M}) or as whole seconds ({@code 1800}).
     *
     * @param option the option's name, for the error message
     * @param text ISO-8601 ({@code PT30M}) or whole seconds ({@code 1800})
     * @return the duration
     */
    public static Duration duration(String option, String text) {
        String t = text.trim();
        try {
            if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(t));
            }
            return Duration.parse(t);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a duration such as PT30M or 1800, was '" + text + "'");
        }
    }
}
