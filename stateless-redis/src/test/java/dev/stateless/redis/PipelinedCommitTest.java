package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The writes a request makes at commit, the session's delta and the idempotency record's
 * completion, go out together: both are in flight before either answer is awaited, so the
 * request waits for one round trip, not two.
 */
@WithRedis
class PipelinedCommitTest {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    @Test
    void theSessionSaveAndTheRecordCompletionAreBothInFlightBeforeEitherAnswers() throws Exception {
        try (RedisSessionStore sessions = RedisSessionStore.builder(redis.uri()).build();
                RedisIdempotencyKeyStore records = RedisIdempotencyKeyStore.builder(redis.uri()).build()) {
            SessionData session = sessions.newSession();
            sessions.save(SessionChanges.to(session).set("cart", sessions.codec().encode("empty")).build());
            SessionData loaded = sessions.load(session.id()).orElseThrow();
            long token = ((Acquisition.Acquired) records.acquire("order-1", "fp")).token();
            byte[] answer = "201 created".getBytes(StandardCharsets.UTF_8);

            CompletableFuture<Long> saved;
            CompletableFuture<Boolean> completed;
            redis.command("CLIENT", "PAUSE", "10000", "WRITE");
            try {
                saved = sessions.saveAsync(SessionChanges.to(loaded).set("cart", sessions.codec().encode("1 item")).build());
                completed = records.completeAsync("order-1", token, answer);
                assertThat(saved).as("save, before Redis answers").isNotDone();
                assertThat(completed).as("completion, before Redis answers").isNotDone();
            } finally {
                redis.command("CLIENT", "UNPAUSE");
            }

            assertThat(saved.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(completed.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sessions.codec().decode(sessions.load(session.id()).orElseThrow().encodedAttribute("cart")
                    .orElseThrow())).isEqualTo("1 item");
            assertThat(records.acquire("order-1", "fp")).isInstanceOfSatisfying(Acquisition.Completed.class,
                    done -> assertThat(done.result()).isEqualTo(answer));
        }
    }

    @Test
    void aCompletionByAHolderThatLostItsLeaseIsFalseAsynchronouslyToo() {
        try (RedisIdempotencyKeyStore records = RedisIdempotencyKeyStore.builder(redis.uri()).build()) {
            long token = ((Acquisition.Acquired) records.acquire("order-2", "fp")).token();

            assertThat(records.completeAsync("order-2", token + 1, new byte[0]).join()).isFalse();
            assertThat(records.completeAsync("order-2", token, new byte[0]).join()).isTrue();
        }
    }
}
