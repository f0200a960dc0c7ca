package dev.stateless.redis;

import java.time.Duration;

/**
 * Where a store's builder gets its connection: one of its own ({@code builder(uri)}: the store
 * owns it and closes it), or the one a {@link RedisStores} shares (the store leaves it open).
 * The connection options live in {@link RedisStores.Builder} alone; this only routes them.
 */
final class StoreConnection {

    private final RedisStores.Builder own;
    private final RedisStores shared;

    private StoreConnection(RedisStores.Builder own, RedisStores shared) {
        this.own = own;
        this.shared = shared;
    }

    static StoreConnection own(String uri) {
        return new StoreConnection(RedisStores.builder(uri), null);
    }

    static StoreConnection shared(RedisStores stores) {
        return new StoreConnection(null, java.util.Objects.requireNonNull(stores, "stores"));
    }

    void commandTimeout(Duration timeout) {
        ownOption("commandTimeout").commandTimeout(timeout);
    }

    void keyPrefix(String prefix) {
        ownOption("keyPrefix").keyPrefix(prefix);
    }

    private RedisStores.Builder ownOption(String option) {
        if (own == null) {
            throw new IllegalStateException(option + " is set on RedisStores.builder(uri), once for all the stores "
                    + "that share its connection");
        }
        return own;
    }

    /** The connection for one store being built: a new one it owns, or the shared one. */
    Opened open() {
        return own != null ? new Opened(own.build(), true) : new Opened(shared, false);
    }

    /** A store's connection, and whether closing the store closes it. */
    record Opened(RedisStores stores, boolean owned) {

        RedisConnector connector() {
            return stores.connector();
        }

        String keyPrefix() {
            return stores.keyPrefix();
        }

        /** What the store's own {@code close()} does: close the connection if it is the store's own. */
        void closeIfOwned() {
            if (owned) {
                stores.close();
            }
        }
    }
}
