package dev.stateless.servlet;

import java.net.URI;

/** One running servlet container ("node") serving {@link LegacyServlet} behind the session filter. */
interface ContainerNode extends AutoCloseable {

    /** {@code http://127.0.0.1:PORT/}. */
    URI base();

    /** Stops the container; idempotent. The store it was given stays open. */
    @Override
    void close();
}
