package dev.stateless.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's thread pools and timers, shared by every store of the application (Lettuce's own
 * advice): each store built alone would start its own event loops. Counted, so that the last store
 * closed releases them. Stores given a Micrometer registry share resources that record Lettuce's
 * command latencies into it (one set per registry).
 */
final class SharedResources {

    private static final Object NO_REGISTRY = new Object();
    /** By registry (or {@link #NO_REGISTRY}); guarded by SharedResources.class. */
    private static final Map<Object, Shared> SHARED = new IdentityHashMap<>();

    private SharedResources() {
    }

    private static final class Shared {
        final ClientResources resources;
        int users;

        Shared(ClientResources resources) {
            this.resources = resources;
        }
    }

    /** @param meterRegistry a Micrometer {@code MeterRegistry}, or null for none */
    static synchronized ClientResources acquire(Object meterRegistry) {
        Shared shared = SHARED.computeIfAbsent(meterRegistry == null ? NO_REGISTRY : meterRegistry,
                r -> new Shared(r == NO_REGISTRY ? DefaultClientResources.create() : LettuceLatencies.resources(r)));
        shared.users++;
        return shared.resources;
    }

    static void release(ClientResources released) {
        ClientResources toShutDown = null;
        synchronized (SharedResources.class) {
            for (var entry : SHARED.entrySet()) {
                Shared shared = entry.getValue();
                if (shared.resources == released) {
                    if (--shared.users == 0) {
                        toShutDown = shared.resources;
                        SHARED.remove(entry.getKey());
                    }
                    break;
                }
            }
        }
        if (toShutDown != null) {
            toShutDown.shutdown(0, Duration.ofSeconds(2).toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
