package dev.stateless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports that are free at the moment of asking, for servers a test starts. Another process
 * may still take one before the server binds it, so a server that fails with "address in use"
 * should be retried on another port ({@link RedisServer#start} does).
 */
public final class FreePorts {

    /** The loopback address every fixture binds. */
    public static final String LOOPBACK = "127.0.0.1";

    /** A Redis cluster node also listens on its port + 10000 (the cluster bus), so ports stay below 55536. */
    private static final int LOWEST_PAIRED = 20_000;
    private static final int HIGHEST_PAIRED = 30_000;

    private FreePorts() {
    }

    /**
     * A port the kernel hands out as free on {@value #LOOPBACK}.
     *
     * @return the port
     */
    public static int loopback() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /**
     * A loopback port that is free now, with port + 10000 (a cluster node's bus port) free too, not in
     * {@code taken} (nor is its bus port), drawn at random from 20000-29999: below the kernel's
     * ephemeral range, so outgoing connections do not take it in the meantime.
     *
     * @param taken ports already handed out
     * @return the port
     */
    public static int withBusPort(Set<Integer> taken) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST_PAIRED, HIGHEST_PAIRED);
            if (!taken.contains(port) && !taken.contains(port + 10_000) && bindable(port) && bindable(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free pair of loopback ports (p, p + 10000) in " + LOWEST_PAIRED + "-"
                + HIGHEST_PAIRED);
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
