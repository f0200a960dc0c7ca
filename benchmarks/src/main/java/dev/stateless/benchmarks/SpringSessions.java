package dev.stateless.benchmarks;

import jakarta.servlet.Filter;
import java.util.Arrays;
import java.util.Collections;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.data.redis.config.ConfigureNotifyKeyspaceEventsAction;
import org.springframework.session.web.http.SessionRepositoryFilter;

/**
 * Spring Session set up in code exactly as its {@code @EnableRedisHttpSession} and
 * {@code @EnableRedisIndexedHttpSession} configurations do with their defaults: Lettuce through
 * {@link LettuceConnectionFactory} (one shared native connection), a {@link RedisTemplate} with
 * string keys and JDK-serialized values, the cookie {@code SESSION}; for the indexed repository also
 * keyspace notifications ({@code notify-keyspace-events Egx}), the message listener container for
 * session events and the once-a-minute cleanup task.
 */
final class SpringSessions implements AutoCloseable {

    private final LettuceConnectionFactory factory;
    private final RedisIndexedSessionRepository indexed;
    private final RedisMessageListenerContainer container;
    private final Filter filter;

    private SpringSessions(LettuceConnectionFactory factory, RedisIndexedSessionRepository indexed,
            RedisMessageListenerContainer container, Filter filter) {
        this.factory = factory;
        this.indexed = indexed;
        this.container = container;
        this.filter = filter;
    }

    /** Variant C: {@code RedisSessionRepository} (Spring Session's default since 3.0). */
    static SpringSessions plain(int redisPort) {
        LettuceConnectionFactory factory = factory(redisPort);
        RedisSessionRepository repository = new RedisSessionRepository(template(factory));
        return new SpringSessions(factory, null, null, new SessionRepositoryFilter<>(repository));
    }

    /** Variant D: {@code RedisIndexedSessionRepository}, with everything its configuration adds. */
    static SpringSessions indexed(int redisPort) {
        LettuceConnectionFactory factory = factory(redisPort);
        RedisIndexedSessionRepository repository = new RedisIndexedSessionRepository(template(factory));
        repository.setDatabase(0);
        repository.afterPropertiesSet(); // schedules the cleanup cron
        try (RedisConnection connection = factory.getConnection()) {
            new ConfigureNotifyKeyspaceEventsAction().configure(connection);
        }
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        container.addMessageListener(repository, Arrays.asList(new ChannelTopic(repository.getSessionDeletedChannel()),
                new ChannelTopic(repository.getSessionExpiredChannel())));
        container.addMessageListener(repository,
                Collections.singletonList(new PatternTopic(repository.getSessionCreatedChannelPrefix() + "*")));
        container.afterPropertiesSet();
        container.start();
        return new SpringSessions(factory, repository, container, new SessionRepositoryFilter<>(repository));
    }

    private static LettuceConnectionFactory factory(int port) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    private static RedisTemplate<String, Object> template(LettuceConnectionFactory factory) {
        RedisTemplate<String, Object> template = new RedisTemplate<>();
        template.setKeySerializer(RedisSerializer.string());
        template.setHashKeySerializer(RedisSerializer.string());
        template.setConnectionFactory(factory);
        template.setBeanClassLoader(SpringSessions.class.getClassLoader());
        template.afterPropertiesSet();
        return template;
    }

    Filter filter() {
        return filter;
    }

    /**
     * What one session of these attributes takes in Redis when Spring Session stores it in its JSON
     * layout (the {@code springSessionDefaultRedisSerializer} bean set to Spring Data Redis's
     * {@code GenericJackson2JsonRedisSerializer}, as its reference guide shows): written once through
     * {@code RedisSessionRepository} to a scratch {@code redis-server}, {@code MEMORY USAGE} of its key.
     */
    @SuppressWarnings({"unchecked", "rawtypes", "deprecation", "removal"})
    static long jsonBytes(java.util.Map<String, Object> attributes) {
        try (RedisNode scratch = RedisNode.start()) {
            LettuceConnectionFactory factory = factory(scratch.port());
            try {
                RedisTemplate<String, Object> template = new RedisTemplate<>();
                template.setKeySerializer(RedisSerializer.string());
                template.setHashKeySerializer(RedisSerializer.string());
                template.setDefaultSerializer(new org.springframework.data.redis.serializer.GenericJackson2JsonRedisSerializer());
                template.setConnectionFactory(factory);
                template.afterPropertiesSet();
                RedisSessionRepository repository = new RedisSessionRepository(template);
                org.springframework.session.Session session = repository.createSession();
                attributes.forEach(session::setAttribute);
                ((org.springframework.session.SessionRepository) repository).save(session);
                return scratch.keys().stream().filter(k -> k.startsWith("spring:session:"))
                        .mapToLong(scratch::memoryUsage).sum();
            } finally {
                factory.destroy();
            }
        }
    }

    /** The bytes Spring's default (JDK) serializer writes for a value. */
    static int serializedSize(Object value) {
        return RedisSerializer.java().serialize(value).length;
    }

    @Override
    public void close() {
        try {
            if (container != null) {
                container.stop();
                container.destroy();
            }
        } catch (Exception e) {
            // shutting down anyway
        }
        if (indexed != null) {
            indexed.destroy();
        }
        factory.destroy();
    }
}
