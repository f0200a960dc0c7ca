package dev.stateless.examples.shop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shop's orders, in Redis so that every node sees them: one hash per user. */
final class OrderRepository implements AutoCloseable {

    record Order(String orderId, String user, Map<String, Integer> items, long total, String note, String node) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;

    OrderRepository(String redisUri) {
        RedisURI uri = RedisURI.create(redisUri);
        uri.setTimeout(Duration.ofSeconds(2));
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
        this.redis = connection.sync();
    }

    Order place(String user, Map<String, Integer> items, long total, String note, String node) {
        long sequence = redis.incr("shop:order-seq");
        Order order = new Order(String.format("ord-%06d", sequence), user, new LinkedHashMap<>(items), total, note, node);
        try {
            redis.hset("shop:orders:{" + user + "}", order.orderId(), JSON.writeValueAsString(order));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return order;
    }

    List<Order> of(String user) {
        List<Order> orders = new ArrayList<>();
        for (String json : redis.hvals("shop:orders:{" + user + "}")) {
            try {
                orders.add(JSON.readValue(json, Order.class));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("an order in Redis cannot be read", e);
            }
        }
        orders.sort(Comparator.comparing(Order::orderId));
        return orders;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
