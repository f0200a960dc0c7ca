package dev.stateless.redis;

import dev.stateless.core.metrics.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a store's builder gets its connection: one of its own ({@code builder(uri)}: the store
 * owns it and closes it), or the one a {@link RedisStores} shares (the store leaves it open).
 * The connection options live in {@link RedisStores.Builder} alone; this only routes them.
 */
final class StoreConnection {

    private final RedisStores.Builder own;
    private final RedisStores shared;
    /** The store builder's own {@code MeterRegistry}, or null. */
    private Object meterRegistry;

    private StoreConnection(RedisStores.Builder own, RedisStores shared) {
        this.own = own;
        this.shared = shared;
    }

    static StoreConnection own(String uri) {
        RedisStores.Builder own = RedisStores.builder(uri);
        own.forOneStore = true;
        return new StoreConnection(own, null);
    }

    static StoreConnection shared(RedisStores stores) {
        return new StoreConnection(null, Objects.requireNonNull(stores, "stores"));
    }

    void commandTimeout(Duration timeout) {
        ownOption("commandTimeout").commandTimeout(timeout);
    }

    void keyPrefix(String prefix) {
        ownOption("keyPrefix").keyPrefix(prefix);
    }

    /**
     * A store's {@code meterRegistry}: on its own connection Lettuce's latencies go there too; on a
     * shared one, the {@link RedisStores}' own registry decides that.
     */
    void meterRegistry(MeterRegistry registry) {
        this.meterRegistry = Objects.requireNonNull(registry, "registry");
        if (own != null) {
            own.meterRegistry(registry);
        }
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
        RedisStores stores = own != null ? own.build() : shared;
        return new Opened(stores, own != null, meterRegistry != null ? meterRegistry : stores.meterRegistry());
    }

    /**
     * A store's connection, whether closing the store closes it, and the registry of its metrics
     * (a Micrometer {@code MeterRegistry}, or null; typed Object so that the stores never need Micrometer).
     */
    record Opened(RedisStores stores, boolean owned, Object meterRegistry) {

        /** The store's recorder: its builder's registry, else the shared connection's, else none. */
        Meters meters() {
            return Meters.ofRegistry(meterRegistry);
        }

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
