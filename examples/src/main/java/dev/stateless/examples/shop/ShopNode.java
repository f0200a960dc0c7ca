package dev.stateless.examples.shop;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisStores;
import dev.stateless.servlet.BearerTokenFilter;
import dev.stateless.servlet.IdempotencyFilter;
import dev.stateless.servlet.StatelessSessionFilter;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import jakarta.servlet.DispatcherType;
import java.time.Duration;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One application node: an embedded Jetty with the three filters in front of the shop servlet:
 * tokens first (so the others see the user), then idempotency, then sessions.
 * Nodes share nothing but Redis and the token secret. The three stores share one Redis connection
 * ({@link RedisStores}), and the node's own Redis client (the orders) shares Lettuce's threads with it.
 */
final class ShopNode implements AutoCloseable {

    static final Duration TOKEN_LIFETIME = Duration.ofMinutes(15);
    /** The verifier's clock skew; a logout revokes the token for its remaining life plus this. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    /** How long a node that died mid-order keeps its order's key before another node may run it. */
    static final Duration IDEMPOTENCY_LEASE = Duration.ofSeconds(30);

    private final String name;
    private final Server server;
    /** New idempotency keys (orders) one user may start per hour. */
    static final int MAX_ORDERS_PER_HOUR = 100;

    private final ClientResources lettuce;
    private final RedisStores redis;
    private final OrderRepository orders;

    ShopNode(String name, int port, String redisUri, byte[] jwtSecret, Duration orderDelay) throws Exception {
        this(name, port, redisUri, jwtSecret, orderDelay, IDEMPOTENCY_LEASE);
    }

    ShopNode(String name, int port, String redisUri, byte[] jwtSecret, Duration orderDelay, Duration idempotencyLease)
            throws Exception {
        this.name = name;
        this.lettuce = DefaultClientResources.create();
        this.redis = RedisStores.builder(redisUri).clientResources(lettuce).build();
        SessionStore sessions = redis.sessionStore()
                .codec(JsonAttributeCodec.builder().allow("shop.Cart", Cart.class).build())
                .build();
        IdempotencyKeyStore keys = redis.idempotencyKeyStore().lease(idempotencyLease).build();
        RevocationList revocations = redis.revocationList().build();
        this.orders = new OrderRepository(redisUri, lettuce);
        JwtIssuer issuer = JwtIssuer.builder().hmacSecret(jwtSecret).issuer("stateless-shop").audience("shop")
                .lifetime(TOKEN_LIFETIME).build();
        // jti is required (revocationList without allowTokensWithoutId): every token can be logged out
        JwtVerifier verifier = JwtVerifier.builder().hmacSecret(jwtSecret).issuers("stateless-shop").audiences("shop")
                .clockSkew(CLOCK_SKEW).revocationList(revocations).build();

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        EnumSet<DispatcherType> requests = EnumSet.of(DispatcherType.REQUEST);
        context.addFilter(new FilterHolder(BearerTokenFilter.builder(verifier).realm("shop")
                .anonymous("/login", "/health").build()), "/*", requests);
        // Idempotency outside sessions: the session (the emptied cart) is saved before the answer is recorded.
        context.addFilter(new FilterHolder(IdempotencyFilter.builder(keys).methods("POST").paths("/orders")
                .required(true).maxRecordsPerScopeAndHour(MAX_ORDERS_PER_HOUR).build()), "/*", requests);
        context.addFilter(new FilterHolder(StatelessSessionFilter.builder(sessions).build()), "/*", requests);
        context.addServlet(new ServletHolder(new ShopServlet(name, issuer, TOKEN_LIFETIME, revocations, orders,
                orderDelay)), "/*");

        this.server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(context);
        server.setErrorHandler(new ProblemErrorHandler());
        context.setErrorHandler(new ProblemErrorHandler());
        server.setStopTimeout(2000);
        server.start();
    }

    String name() {
        return name;
    }

    int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception {
        server.stop();
        orders.close();
        redis.close(); // the connection of the three stores
        lettuce.shutdown();
    }
}
