package dev.stateless.servlet.legacy;

/**
 * A session value a legacy app kept on one node without thinking: not {@code Serializable}, so no
 * codec can carry it to another node.
 */
public class PrinterHandle {

    private final String queue;

    public PrinterHandle(String queue) {
        this.queue = queue;
    }

    public String queue() {
        return queue;
    }
}
