package dev.stateless.examples.shop;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar stateless-shop.jar [--port 8080] [--nodes 1] [--redis URI] [--demo] [--order-delay-ms 200]}
 *
 * <p>Starts N shop nodes in this process, sharing one Redis (an embedded one unless {@code --redis}
 * names a server), and either serves until interrupted or, with {@code --demo}, walks through the
 * story over real HTTP and exits 0 only if every step held.
 */
public final class ShopMain {

    private ShopMain() {
    }

    record Options(int port, int nodes, String redis, boolean demo, Duration orderDelay, Duration idempotencyLease) {
        Options(int port, int nodes, String redis, boolean demo, Duration orderDelay) {
            this(port, nodes, redis, demo, orderDelay, ShopNode.IDEMPOTENCY_LEASE);
        }
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(usage());
            return;
        }
        int status;
        try {
            status = run(options);
        } catch (Exception e) {
            System.err.println("error: " + oneLine(e));
            status = 1;
        }
        System.exit(status);
    }

    static String usage() {
        return "usage: java -jar stateless-shop.jar [--port 8080] [--nodes 1] [--redis redis://host:port] [--demo] "
                + "[--order-delay-ms 200] [--idempotency-lease-ms 30000]\n  SHOP_JWT_SECRET (at least 32 bytes) lets nodes in other processes accept "
                + "this process's tokens.";
    }

    static Options parse(String[] args) {
        int port = 8080;
        Integer nodes = null;
        String redis = null;
        boolean demo = false;
        long delay = 200;
        long lease = ShopNode.IDEMPOTENCY_LEASE.toMillis();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--demo" -> demo = true;
                case "--port" -> port = number(arg, value(args, ++i, arg), 0, 65535);
                case "--nodes" -> nodes = number(arg, value(args, ++i, arg), 1, 16);
                case "--order-delay-ms" -> delay = number(arg, value(args, ++i, arg), 0, 60_000);
                case "--idempotency-lease-ms" -> lease = number(arg, value(args, ++i, arg), 100, 600_000);
                case "--redis" -> {
                    redis = value(args, ++i, arg);
                    if (!redis.startsWith("redis://") && !redis.startsWith("rediss://")
                            && !redis.startsWith("redis-sentinel://")) {
                        throw new IllegalArgumentException("--redis must be a URI such as redis://localhost:6379");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        int n = nodes != null ? nodes : demo ? 3 : 1;
        if (port != 0 && port + n - 1 > 65535) {
            throw new IllegalArgumentException("--port " + port + " leaves no room for " + n + " nodes");
        }
        return new Options(port, n, redis, demo, Duration.ofMillis(delay), Duration.ofMillis(lease));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int number(String option, String text, int min, int max) {
        try {
            int n = Integer.parseInt(text);
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, was '" + text + "'");
        }
    }

    static int run(Options options) throws Exception {
        byte[] secret = secret();
        redis.embedded.RedisServer embedded = null;
        String redisUri = options.redis();
        List<ShopNode> nodes = new ArrayList<>();
        try {
            if (redisUri == null) {
                int port = freePort();
                embedded = redis.embedded.RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                        .setting("save \"\"").setting("appendonly no").build();
                embedded.start();
                redisUri = "redis://127.0.0.1:" + port;
                log("started an embedded Redis at " + redisUri + " (use --redis to name your own)");
            } else {
                log("using Redis at " + redisUri);
            }
            for (int i = 0; i < options.nodes(); i++) {
                int port = options.port() == 0 ? 0 : options.port() + i;
                ShopNode node = new ShopNode("node-" + (i + 1), port, redisUri, secret, options.orderDelay(),
                        options.idempotencyLease());
                nodes.add(node);
                log(node.name() + " listening on " + node.url());
            }
            if (options.demo()) {
                return new Demo(nodes.stream().map(ShopNode::url).toList(), System.out).run() ? 0 : 1;
            }
            log("serving; press Ctrl+C to stop");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
            return 0;
        } finally {
            for (ShopNode node : nodes) {
                try {
                    node.close();
                } catch (Exception e) {
                    log("could not stop " + node.name() + ": " + oneLine(e));
                }
            }
            if (embedded != null) {
                embedded.stop();
            }
        }
    }

    private static byte[] secret() {
        String configured = System.getenv("SHOP_JWT_SECRET");
        if (configured != null) {
            byte[] bytes = configured.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32) {
                throw new IllegalArgumentException("SHOP_JWT_SECRET must be at least 32 bytes, was " + bytes.length);
            }
            return bytes;
        }
        log("warning: SHOP_JWT_SECRET is not set; using a random secret, so nodes in other processes will not "
                + "accept this process's tokens");
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return random;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void log(String line) {
        System.out.println("[shop] " + line);
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
