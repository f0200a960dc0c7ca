package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionStore;
import dev.stateless.testing.RedisExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's "Testing your app" integration test on a real Redis, as typed there. */
class CartStoreTest {

    @RegisterExtension
    static final RedisExtension redis = new RedisExtension();

    @Test
    void aCartSavedByOneNodeIsReadByAnother() {
        try (SessionStore node1 = RedisSessionStore.builder(redis.uri()).build();
                SessionStore node2 = RedisSessionStore.builder(redis.uri()).build()) {
            SessionData session = node1.newSession();
            node1.save(SessionChanges.to(session).set("visits", node1.codec().encode(3L)).build());

            assertThat(node2.load(session.id())).isPresent();
            assertThat(redis.server().commandLong("DBSIZE")).isEqualTo(1);
        }
    }
}
