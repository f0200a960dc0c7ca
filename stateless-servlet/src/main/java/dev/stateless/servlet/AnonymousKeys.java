package dev.stateless.servlet;

import java.util.Locale;

/**
 * What {@link IdempotencyFilter} does with a key from a client that has neither an authenticated
 * user nor a session, so that no client can ever be given another client's answer.
 */
public enum AnonymousKeys {
    /** Answer 400: such clients cannot use keys (the safe default; they start a session or sign in first). */
    REFUSE,
    /**
     * Scope the key by the client's address ({@code getRemoteAddr()}): clients behind one proxy or NAT
     * share a scope and can replay each other's answers by guessing keys; an explicit opt-in.
     */
    SCOPE_BY_CLIENT_ADDRESS;

    /** Parses {@code refuse} or {@code scope-by-client-address} (init parameter {@code anonymous-keys}). */
    static AnonymousKeys parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "refuse" -> REFUSE;
            case "scope-by-client-address" -> SCOPE_BY_CLIENT_ADDRESS;
            default -> throw new IllegalArgumentException(
                    "anonymous-keys must be refuse or scope-by-client-address, was '" + text + "'");
        };
    }
}
