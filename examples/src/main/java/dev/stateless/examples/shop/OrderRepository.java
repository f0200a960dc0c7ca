package dev.stateless.examples.shop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shop's orders, in Redis so that every node sees them: one hash of orders per user, and one
 * hash from idempotency key to order id, so that placing an order is itself idempotent. That is
 * what makes a crash safe between placing the order and recording the HTTP answer: the retry finds
 * the order instead of placing it again.
 */
final class OrderRepository implements AutoCloseable {

    record Order(String orderId, String user, Map<String, Integer> items, long total, String note, String node) {
    }

    /** An order as stored: its id is the hash field. */
    private record Stored(String user, Map<String, Integer> items, long total, String note, String node) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** KEYS: key map, sequence, orders. ARGV: idempotency key, order JSON. Returns {id, json}. */
    private static final String PLACE = """
            local id = redis.call('HGET', KEYS[1], ARGV[1])
            if id then
              return {id, redis.call('HGET', KEYS[3], id)}
            end
            id = string.format('ord-%06d', redis.call('INCR', KEYS[2]))
            redis.call('HSET', KEYS[3], id, ARGV[2])
            redis.call('HSET', KEYS[1], ARGV[1], id)
            return {id, ARGV[2]}
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;

    OrderRepository(String redisUri, ClientResources resources) {
        RedisURI uri = RedisURI.create(redisUri);
        uri.setTimeout(Duration.ofSeconds(2));
        this.client = RedisClient.create(resources, uri);
        this.connection = client.connect();
        this.redis = connection.sync();
    }

    /** The order placed under this idempotency key, if any. */
    Optional<Order> byKey(String user, String key) {
        String id = redis.hget(keysOf(user), key);
        return id == null ? Optional.empty() : Optional.ofNullable(redis.hget(ordersOf(user), id)).map(json -> read(id, json));
    }

    /** Places an order once per key: a second call with the same key returns the first order. */
    Order place(String user, String key, Map<String, Integer> items, long total, String note, String node) {
        String json;
        try {
            json = JSON.writeValueAsString(new Stored(user, new LinkedHashMap<>(items), total, note, node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        List<String> placed = redis.eval(PLACE, ScriptOutputType.MULTI,
                new String[] {keysOf(user), "shop:order-seq", ordersOf(user)}, key, json);
        return read(placed.get(0), placed.get(1));
    }

    List<Order> of(String user) {
        List<Order> orders = new ArrayList<>();
        redis.hgetall(ordersOf(user)).forEach((id, json) -> orders.add(read(id, json)));
        orders.sort(Comparator.comparing(Order::orderId));
        return orders;
    }

    private static Order read(String id, String json) {
        try {
            Stored order = JSON.readValue(json, Stored.class);
            return new Order(id, order.user(), order.items(), order.total(), order.note(), order.node());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an order in Redis cannot be read", e);
        }
    }

    private static String ordersOf(String user) {
        return "shop:orders:{" + user + "}";
    }

    private static String keysOf(String user) {
        return "shop:order-keys:{" + user + "}";
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(); // leaves the shared resources to their owner
    }
}
