package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The writes a request makes at commit, the session's delta and the idempotency record's
 * completion, go out together: both are in flight before either answer is awaited, so the
 * request waits for one round trip, not two. The same tests run on one server ({@link
 * PipelinedCommitTest}), Sentinel ({@link SentinelPipelinedCommitTest}) and Cluster ({@link
 * ClusterPipelinedCommitTest}, where the two keys may live on different masters).
 */
abstract class AbstractPipelinedCommitTest {

    /** The URI of the set-up, for the stores. */
    abstract String uri();

    /** Holds every client's writes on every master ({@code CLIENT PAUSE ... WRITE}) until {@link #unpauseWrites}. */
    abstract void pauseWrites();

    abstract void unpauseWrites();

    /** {@code sessions} once it can reach every master (Cluster: see {@code ClusterStores#connected}). */
    RedisSessionStore connected(RedisSessionStore sessions) {
        return sessions;
    }

    /** {@code records} once it can reach every master. */
    RedisIdempotencyKeyStore connected(RedisIdempotencyKeyStore records) {
        return records;
    }

    @Test
    void theSessionSaveAndTheRecordCompletionAreBothInFlightBeforeEitherAnswers() throws Exception {
        try (RedisSessionStore sessions = connected(RedisSessionStore.builder(uri()).build());
                RedisIdempotencyKeyStore records = connected(RedisIdempotencyKeyStore.builder(uri()).build())) {
            SessionData session = sessions.newSession();
            sessions.save(SessionChanges.to(session).set("cart", sessions.codec().encode("empty")).build());
            SessionData loaded = sessions.load(session.id()).orElseThrow();
            long token = ((Acquisition.Acquired) records.acquire("order-1", "fp")).token();
            byte[] answer = "201 created".getBytes(StandardCharsets.UTF_8);

            CompletableFuture<Long> saved;
            CompletableFuture<Boolean> completed;
            pauseWrites();
            try {
                saved = sessions.saveAsync(SessionChanges.to(loaded).set("cart", sessions.codec().encode("1 item")).build());
                completed = records.completeAsync("order-1", token, answer);
                assertThat(saved).as("save, before Redis answers").isNotDone();
                assertThat(completed).as("completion, before Redis answers").isNotDone();
            } finally {
                unpauseWrites();
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
        try (RedisIdempotencyKeyStore records = connected(RedisIdempotencyKeyStore.builder(uri()).build())) {
            long token = ((Acquisition.Acquired) records.acquire("order-2", "fp")).token();

            assertThat(records.completeAsync("order-2", token + 1, new byte[0]).join()).isFalse();
            assertThat(records.completeAsync("order-2", token, new byte[0]).join()).isTrue();
        }
    }
}
