package dev.stateless.redis;

import java.util.concurrent.Executor;

/** For the servlet module's tests: the store builder's package-private hook for Redis's change reports. */
public final class InvalidationDelivery {

    private InvalidationDelivery() {
    }

    /**
     * Delivers the near cache's change reports through {@code delivery} (a test holds them back).
     *
     * @param builder the store's builder
     * @param delivery where reports go
     * @return the builder
     */
    public static RedisSessionStore.Builder through(RedisSessionStore.Builder builder, Executor delivery) {
        return builder.invalidationDelivery(delivery);
    }
}
