package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.SerializableAttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionStores;
import dev.stateless.testing.RedisServer;
import dev.stateless.testing.WithRedis;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A legacy app's Serializable beans, configured from text as web.xml would, through a real Redis. */
@WithRedis
class RedisSerializableCodecTest {

    /** Private state, a Random, no no-argument constructor. */
    public static final class Lottery implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Random random;
        private final List<Integer> drawn = new ArrayList<>();

        public Lottery(long seed) {
            this.random = new Random(seed);
        }

        int draw() {
            int n = random.nextInt(49) + 1;
            drawn.add(n);
            return n;
        }
    }

    /** Serializable, but not among the app's types. */
    public static final class Stranger implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private static RedisServer redis;

    @BeforeAll
    static void startRedis(RedisServer started) {
        redis = started;
    }

    private static SessionStore store() {
        return SessionStores.create(redis.uri(), Map.of("codec", "serializable",
                "codec-types", Lottery.class.getName() + ", dev.stateless.core.session.*"),
                RedisSerializableCodecTest.class.getClassLoader());
    }

    @Test
    void aSerializableBeanWithARandomSurvivesRedisAndAnotherNodeWithItsState() {
        Lottery lottery = new Lottery(7);
        lottery.draw();
        SessionData saved;
        try (SessionStore node1 = store()) {
            assertThat(node1.codec()).isInstanceOf(SerializableAttributeCodec.class);
            saved = node1.newSession();
            node1.save(SessionChanges.to(saved).set("lottery", node1.codec().encode(lottery)).build());
        }
        try (SessionStore node2 = store()) {
            SessionData loaded = node2.load(saved.id()).orElseThrow();
            Lottery back = (Lottery) node2.codec().decode(loaded.encodedAttribute("lottery").orElseThrow());
            assertThat(back.drawn).isEqualTo(lottery.drawn);
            for (int i = 0; i < 10; i++) {
                assertThat(back.draw()).isEqualTo(lottery.draw());
            }
        }
    }

    @Test
    void aSerializableValueOffTheConfiguredTypesIsRefusedBeforeItIsStored() {
        try (SessionStore store = store()) {
            assertThatThrownBy(() -> store.codec().encode(new Stranger()))
                    .isInstanceOf(AttributeCodecException.class)
                    .hasMessageContaining(Stranger.class.getName());
        }
    }
}
