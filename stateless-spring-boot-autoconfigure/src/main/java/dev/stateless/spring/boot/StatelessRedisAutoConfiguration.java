package dev.stateless.spring.boot;

import dev.stateless.redis.RedisStores;
import io.lettuce.core.resource.ClientResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * One {@link RedisStores} (one Lettuce client and connection) for every store, from
 * {@code stateless.redis.*}; the application's own {@link ClientResources} bean, if it has one, is
 * used and left to it. A {@code RedisStores} bean of the application's replaces this one.
 */
@AutoConfiguration
@EnableConfigurationProperties(StatelessProperties.class)
public class StatelessRedisAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StatelessRedisAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "stateless.redis", name = "uri")
    RedisStores statelessRedisStores(StatelessProperties properties, ObjectProvider<ClientResources> resources) {
        StatelessProperties.Redis redis = properties.getRedis();
        RedisStores.Builder builder = StatelessProperties.checked("stateless.redis", () -> RedisStores.builder(redis.getUri())
                .commandTimeout(redis.getCommandTimeout())
                .keyPrefix(redis.getKeyPrefix()));
        ClientResources own = resources.getIfUnique();
        if (own != null) {
            builder.clientResources(own);
        }
        // the URI may carry a password: log the scheme only
        log.info("stateless: Redis stores on {}, command timeout {}, key prefix '{}'{}",
                scheme(redis.getUri()), redis.getCommandTimeout(), redis.getKeyPrefix(),
                own != null ? ", the application's Lettuce ClientResources" : "");
        return builder.build();
    }

    private static String scheme(String uri) {
        int colon = uri.indexOf("://");
        return colon < 0 ? "?" : uri.substring(0, colon) + "://...";
    }
}
