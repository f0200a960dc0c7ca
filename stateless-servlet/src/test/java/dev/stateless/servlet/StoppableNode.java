package dev.stateless.servlet;

/** A {@link ContainerNode} whose first {@link #close()} stops its container; later ones do nothing. */
abstract class StoppableNode implements ContainerNode {

    private boolean closed; // guarded by this

    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(this + " did not stop", e);
        }
    }

    /** Stops the container; called once. */
    protected abstract void stop() throws Exception;
}
