package dev.stateless.testing;

import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * What {@link RedisExtension}, {@link RedisClusterExtension} and {@link RedisSentinelExtension}
 * share: start the fixture in the first callback JUnit makes (before all tests of the class for a
 * static field, before each test for an instance field), stop it in the matching after-callback,
 * and hand it to parameters of its type. Thread-safe.
 */
abstract class RedisFixtureExtension<F extends AutoCloseable>
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private final Class<F> type;
    private final Supplier<F> starter;
    private F fixture; // guarded by this
    private String startedFor; // guarded by this: the unique id of the class or test that started it

    RedisFixtureExtension(Class<F> type, Supplier<F> starter) {
        this.type = Objects.requireNonNull(type, "type");
        this.starter = Objects.requireNonNull(starter, "starter");
    }

    /**
     * The running fixture.
     *
     * @throws IllegalStateException before JUnit started it (outside the tests of the class that
     *     registers the extension)
     */
    final synchronized F fixture() {
        if (fixture == null) {
            throw new IllegalStateException(type.getSimpleName() + " is not started: register the "
                    + getClass().getSimpleName() + " with @RegisterExtension (a static field: one per class; an"
                    + " instance field: one per test) and use it from the tests or their lifecycle methods");
        }
        return fixture;
    }

    @Override
    public final void beforeAll(ExtensionContext context) {
        start(context);
    }

    @Override
    public final void beforeEach(ExtensionContext context) {
        start(context); // nothing to do when the class already started it
    }

    @Override
    public final void afterEach(ExtensionContext context) throws Exception {
        stop(context);
    }

    @Override
    public final void afterAll(ExtensionContext context) throws Exception {
        stop(context);
    }

    @Override
    public final boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == type;
    }

    @Override
    public final Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return fixture();
    }

    private synchronized void start(ExtensionContext context) {
        if (fixture == null) {
            fixture = starter.get();
            startedFor = context.getUniqueId();
        }
    }

    /** Stops the fixture in the callback matching the one that started it (a nested class's does not). */
    private synchronized void stop(ExtensionContext context) throws Exception {
        if (fixture != null && context.getUniqueId().equals(startedFor)) {
            try {
                fixture.close();
            } finally {
                fixture = null;
                startedFor = null;
            }
        }
    }

    @Override
    public final synchronized String toString() {
        return getClass().getSimpleName() + "[" + (fixture == null ? "not started" : fixture) + "]";
    }
}
