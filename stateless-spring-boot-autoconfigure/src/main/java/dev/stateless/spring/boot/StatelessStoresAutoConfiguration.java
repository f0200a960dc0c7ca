package dev.stateless.spring.boot;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SerializableAttributeCodec;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.redis.RedisStores;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * The session store, idempotency key store and revocation list on the shared {@link RedisStores},
 * and the session codec. Each gives way to a bean of the same type that the application defines.
 */
@AutoConfiguration(after = StatelessRedisAutoConfiguration.class)
public class StatelessStoresAutoConfiguration implements BeanClassLoaderAware {

    private static final Logger log = LoggerFactory.getLogger(StatelessStoresAutoConfiguration.class);

    /**
     * What Spring Security keeps in the session: its SecurityContext, the last login failure, the
     * CSRF token, the request saved before a login (whose headers map sorts with String's
     * case-insensitive comparator).
     */
    static final List<String> SPRING_SECURITY_TYPES = List.of("org.springframework.security.**",
            "java.lang.String$CaseInsensitiveComparator");

    private ClassLoader classLoader = StatelessStoresAutoConfiguration.class.getClassLoader();

    @Override
    public void setBeanClassLoader(ClassLoader loader) {
        this.classLoader = loader;
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "stateless.session", name = "enabled", matchIfMissing = true)
    AttributeCodec statelessSessionCodec(StatelessProperties properties) {
        StatelessProperties.Session session = properties.getSession();
        boolean springSecurity = ClassUtils.isPresent("org.springframework.security.core.context.SecurityContext",
                classLoader);
        StatelessProperties.Codec codec = session.getCodec() != null ? session.getCodec()
                : springSecurity ? StatelessProperties.Codec.SERIALIZABLE : StatelessProperties.Codec.JSON;
        List<String> types = new ArrayList<>(session.getTypes());
        if (springSecurity && codec == StatelessProperties.Codec.SERIALIZABLE) {
            types.addAll(SPRING_SECURITY_TYPES);
        }
        String[] patterns = types.toArray(String[]::new);
        log.info("stateless: session codec {} for types {}", codec.name().toLowerCase(java.util.Locale.ROOT), types);
        return StatelessProperties.checked("stateless.session.types", () -> switch (codec) {
            case JSON -> JsonAttributeCodec.builder().classLoader(classLoader).allowTypes(patterns).build();
            case SERIALIZABLE -> SerializableAttributeCodec.builder().classLoader(classLoader).allowTypes(patterns).build();
        });
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(RedisStores.class)
    @ConditionalOnProperty(prefix = "stateless.session", name = "enabled", matchIfMissing = true)
    SessionStore statelessSessionStore(RedisStores redis, AttributeCodec codec, StatelessProperties properties) {
        StatelessProperties.Session session = properties.getSession();
        log.info("stateless: sessions in Redis, idle timeout {}, absolute timeout {}, at most {} per user",
                session.getIdleTimeout(), session.getAbsoluteTimeout(),
                session.getMaxSessionsPerPrincipal() > 0 ? session.getMaxSessionsPerPrincipal() : "any number");
        return StatelessProperties.checked("stateless.session", () -> {
            RedisSessionStore.Builder builder = redis.sessionStore().codec(codec)
                    .idleTimeout(session.getIdleTimeout()).absoluteTimeout(session.getAbsoluteTimeout());
            if (session.getMaxSessionsPerPrincipal() > 0) {
                builder.maxSessionsPerPrincipal(session.getMaxSessionsPerPrincipal());
            }
            return builder.build();
        });
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(RedisStores.class)
    IdempotencyKeyStore statelessIdempotencyKeyStore(RedisStores redis, StatelessProperties properties) {
        StatelessProperties.Idempotency idempotency = properties.getIdempotency();
        return StatelessProperties.checked("stateless.idempotency", () -> redis.idempotencyKeyStore()
                .lease(idempotency.getLease()).retention(idempotency.getRetention()).build());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(RedisStores.class)
    @ConditionalOnProperty(prefix = "stateless.revocation", name = "enabled", matchIfMissing = true)
    RevocationList statelessRevocationList(RedisStores redis) {
        return redis.revocationList().build();
    }
}
