package dev.stateless.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's thread pools and timers, shared by every store of the application (Lettuce's own
 * advice): each store built alone would start its own event loops. Counted, so that the last store
 * closed releases them.
 */
final class SharedResources {

    private static ClientResources resources; // guarded by SharedResources.class
    private static int users; // guarded by SharedResources.class

    private SharedResources() {
    }

    static synchronized ClientResources acquire() {
        if (users++ == 0) {
            resources = DefaultClientResources.create();
        }
        return resources;
    }

    static void release(ClientResources released) {
        ClientResources toShutDown = null;
        synchronized (SharedResources.class) {
            if (released == resources && --users == 0) {
                toShutDown = resources;
                resources = null;
            }
        }
        if (toShutDown != null) {
            toShutDown.shutdown(0, Duration.ofSeconds(2).toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
