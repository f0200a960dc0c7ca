package dev.stateless.servlet;

import java.net.URI;

/** One running servlet container ("node") of a test, reached over real HTTP. */
interface ContainerNode extends AutoCloseable {

    /** {@code http://127.0.0.1:PORT/}. */
    URI base();

    /** Stops the container; idempotent. Stores it was given stay open. */
    @Override
    void close();
}
