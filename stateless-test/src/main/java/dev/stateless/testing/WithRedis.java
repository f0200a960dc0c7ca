package dev.stateless.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a real {@code redis-server} for the annotated test class and stops it after the class, as
 * a {@link RedisExtension} on a static field does; tests and lifecycle methods take the server as a
 * {@link RedisServer} parameter.
 *
 * <pre>{@code
 * @WithRedis
 * class CheckoutTest {
 *     @Test
 *     void keepsTheCart(RedisServer redis) {
 *         SessionStore store = RedisSessionStore.builder(redis.uri()).build();
 *         ...
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RedisExtension.class)
public @interface WithRedis {
}
