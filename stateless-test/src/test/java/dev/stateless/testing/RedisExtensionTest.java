package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The extensions run for real: each case class below is run by JUnit's engine test kit, records the
 * servers its tests and lifecycle methods saw, and the test checks when they were running.
 */
class RedisExtensionTest {

    /** Servers seen by the case classes, with whether each was running at that moment. */
    static final List<RedisServer> SEEN = new CopyOnWriteArrayList<>();
    static final List<Boolean> RUNNING = new CopyOnWriteArrayList<>();

    static void see(RedisServer server) {
        SEEN.add(server);
        RUNNING.add(server.isRunning() && "PONG".equals(server.command("PING")));
    }

    @BeforeEach
    void forget() {
        SEEN.clear();
        RUNNING.clear();
    }

    private static Events run(Class<?> testClass) {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().testEvents();
        tests.assertStatistics(stats -> stats.failed(0).aborted(0));
        return tests;
    }

    @Test
    void onAStaticFieldOneServerServesTheWholeClassFromBeforeAllToAfterAllAndIsStoppedAfterIt() {
        run(StaticFieldCase.class).assertStatistics(stats -> stats.succeeded(2));

        assertThat(SEEN).hasSize(5).containsOnly(SEEN.get(0)); // @BeforeAll, first, second (twice), @AfterAll
        assertThat(RUNNING).containsOnly(true);
        assertThat(SEEN.get(0).isRunning()).as("after the class").isFalse();
    }

    @Test
    void onAnInstanceFieldEachTestHasAServerOfItsOwnStoppedAfterIt() {
        run(InstanceFieldCase.class).assertStatistics(stats -> stats.succeeded(2));

        assertThat(SEEN).hasSize(6); // per test: @BeforeEach, the test, @AfterEach
        assertThat(SEEN.subList(0, 3)).containsOnly(SEEN.get(0));
        assertThat(SEEN.subList(3, 6)).containsOnly(SEEN.get(3));
        assertThat(SEEN.get(0)).isNotSameAs(SEEN.get(3));
        assertThat(SEEN.get(0).port()).isNotEqualTo(SEEN.get(3).port());
        assertThat(RUNNING).containsOnly(true);
        assertThat(SEEN.get(0).isRunning()).isFalse();
        assertThat(SEEN.get(3).isRunning()).isFalse();
    }

    @Test
    void withRedisHandsOneServerToLifecycleMethodsTestsAndNestedClassesAndStopsItAfterTheClass() {
        run(AnnotatedCase.class).assertStatistics(stats -> stats.succeeded(2));

        assertThat(SEEN).hasSize(3).containsOnly(SEEN.get(0));
        assertThat(RUNNING).containsOnly(true);
        assertThat(SEEN.get(0).isRunning()).isFalse();
    }

    @Test
    void aServerStoppedByATestIsStillClosedQuietlyAfterTheClass() {
        run(StoppingCase.class).assertStatistics(stats -> stats.succeeded(1));

        assertThat(SEEN.get(0).isRunning()).isFalse();
    }

    @Test
    void theServerIsNotThereBeforeJUnitStartedIt() {
        RedisExtension redis = new RedisExtension();

        assertThatThrownBy(redis::server).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@RegisterExtension");
        assertThatThrownBy(redis::uri).isInstanceOf(IllegalStateException.class);
        assertThat(redis).hasToString("RedisExtension[not started]");
    }

    // ---- the cases (nested classes: surefire does not run them by itself)

    static class StaticFieldCase {
        @RegisterExtension
        static final RedisExtension redis = new RedisExtension();

        @BeforeAll
        static void before() {
            see(redis.server());
        }

        @AfterAll
        static void after() {
            see(redis.server());
        }

        @Test
        void first() {
            see(redis.server());
            assertThat(redis.uri()).isEqualTo(redis.server().uri()).startsWith("redis://");
        }

        @Test
        void second(RedisServer server) {
            see(server);
            see(redis.server());
        }
    }

    static class InstanceFieldCase {
        @RegisterExtension
        final RedisExtension redis = new RedisExtension();

        @BeforeEach
        void before(RedisServer server) {
            see(server);
        }

        @AfterEach
        void after() {
            see(redis.server());
        }

        @Test
        void first() {
            see(redis.server());
        }

        @Test
        void second() {
            see(redis.server());
        }
    }

    @WithRedis
    static class AnnotatedCase {
        @BeforeAll
        static void before(RedisServer server) {
            see(server);
        }

        @Test
        void test(RedisServer server) {
            see(server);
        }

        @Nested
        class Inner {
            @Test
            void nested(RedisServer server) {
                see(server);
            }
        }
    }

    @WithRedis
    static class StoppingCase {
        @Test
        void stopsIt(RedisServer server) {
            see(server);
            server.stop();
        }
    }
}
