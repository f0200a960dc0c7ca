package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stateless.core.idempotency.Idempotency;
import dev.stateless.core.idempotency.IdempotencyException;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Idempotency} over a real Redis, as the README shows it: a message consumer that charges a
 * customer once per message id, whatever fails after the charge (issue 11, item 1).
 */
@WithRedis
class RedisIdempotencyTest {

    record Receipt(String orderId, long amountCents) {
    }

    private static RedisServer redis;
    private RedisIdempotencyKeyStore store;
    private Idempotency idempotency;
    private final AtomicInteger charges = new AtomicInteger();
    private final String messageId = "msg-" + UUID.randomUUID();

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @BeforeEach
    void open() {
        redis.flushAll();
        store = RedisIdempotencyKeyStore.builder(redis.uri()).lease(Duration.ofMillis(500)).build();
    }

    @AfterEach
    void close() {
        if (idempotency != null) {
            idempotency.close();
        }
        store.close();
    }

    private Supplier<Receipt> charge() {
        return () -> {
            charges.incrementAndGet();
            return new Receipt("o-1", 1999);
        };
    }

    @Test
    void theReadmeSnippetChargesOnceAndReplaysTheReceipt() {
        idempotency = Idempotency.builder(store).codec(JsonAttributeCodec.builder().allow(Receipt.class).build()).build();

        Receipt first = idempotency.execute(messageId, "body-hash", Receipt.class, charge());
        Receipt redelivered = idempotency.execute(messageId, "body-hash", Receipt.class, charge());

        assertThat(redelivered).isEqualTo(first);
        assertThat(charges).hasValue(1);
    }

    @Test
    void aResultTypeTheDefaultCodecRefusesFailsBeforeChargingAndTakesNoKey() {
        idempotency = Idempotency.builder(store).build();

        assertThatThrownBy(() -> idempotency.execute(messageId, "body-hash", Receipt.class, charge()))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining(Receipt.class.getName());

        assertThat(charges).hasValue(0);
        assertThat(redis.commandLong("DBSIZE")).as("nothing stored").isZero();
    }

    @Test
    void aResultThatCannotBeEncodedAfterTheChargeIsARecordedFailureAndTheRedeliveryAfterTheLeaseDoesNotChargeAgain()
            throws Exception {
        idempotency = Idempotency.builder(store).build();
        // declared as a Map, which the codec allows; the receipt inside is not
        Supplier<Map<String, Object>> chargeAsMap = () -> Map.of("receipt", charge().get());

        IdempotencyException first = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(messageId, "body-hash", Map.class, chargeAsMap::get));
        Thread.sleep(700); // past the lease: before the fix the key was free here
        IdempotencyException redelivery = catchThrowableOfType(IdempotencyException.class,
                () -> idempotency.execute(messageId, "body-hash", Map.class, chargeAsMap::get));

        assertThat(first.reason()).isEqualTo(IdempotencyException.Reason.RESULT_NOT_RECORDED);
        assertThat(first.getCause()).isInstanceOf(AttributeCodecException.class);
        assertThat(redelivery.reason()).isEqualTo(IdempotencyException.Reason.RESULT_NOT_RECORDED);
        assertThat(charges).as("customer charged once").hasValue(1);
        List<String> keys = redis.commandList("KEYS", "stateless:i:*");
        assertThat(keys).hasSize(1);
        assertThat(redis.command("HGET", keys.get(0), "s")).isEqualTo("f");
    }
}
