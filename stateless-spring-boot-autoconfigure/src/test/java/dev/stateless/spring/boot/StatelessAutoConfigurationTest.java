package dev.stateless.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.InMemorySessionStore;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SerializableAttributeCodec;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.core.token.VerifiedToken;
import dev.stateless.jwt.JwtVerifier;
import dev.stateless.redis.RedisIdempotencyKeyStore;
import dev.stateless.redis.RedisRevocationList;
import dev.stateless.redis.RedisSessionStore;
import dev.stateless.redis.RedisStores;
import dev.stateless.servlet.BearerTokenFilter;
import dev.stateless.servlet.IdempotencyFilter;
import dev.stateless.servlet.StatelessSessionFilter;
import dev.stateless.testing.RedisExtension;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.DelegatingFilterProxyRegistrationBean;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What the auto-configuration makes from {@code stateless.*}, and what gives way to the application's beans. */
class StatelessAutoConfigurationTest {

    @RegisterExtension
    static final RedisExtension redis = new RedisExtension();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(StatelessRedisAutoConfiguration.class,
                    StatelessStoresAutoConfiguration.class, StatelessJwtAutoConfiguration.class,
                    StatelessFilterAutoConfiguration.class));

    private String uri() {
        return "stateless.redis.uri=" + redis.uri();
    }

    @Test
    void aRedisUriGivesTheThreeStoresOnOneConnectionAndTheSessionFilterBeforeSpringSecurity() {
        runner.withPropertyValues(uri()).run(context -> {
            assertThat(context).hasSingleBean(RedisStores.class);
            assertThat(context.getBean(SessionStore.class)).isInstanceOf(RedisSessionStore.class);
            assertThat(context.getBean(IdempotencyKeyStore.class)).isInstanceOf(RedisIdempotencyKeyStore.class);
            assertThat(context.getBean(RevocationList.class)).isInstanceOf(RedisRevocationList.class);
            assertThat(context).doesNotHaveBean(TokenVerifier.class);

            FilterRegistrationBean<?> sessions = registration(context, "statelessSessionFilter");
            assertThat(sessions.getFilter()).isInstanceOf(StatelessSessionFilter.class);
            assertThat(sessions.getOrder()).isEqualTo(-110).isLessThan(-100); // Spring Security's chain: -100
            assertThat(sessions.isAsyncSupported()).isTrue();
            FilterRegistrationBean<?> idempotency = registration(context, "statelessIdempotencyFilter");
            assertThat(idempotency.getFilter()).isInstanceOf(IdempotencyFilter.class);
            assertThat(idempotency.getOrder()).isEqualTo(-120);
            assertThat(idempotency.isEnabled()).as("no stateless.idempotency.paths").isFalse();
            assertThat(context).doesNotHaveBean("statelessBearerTokenFilter");
        });
    }

    @Test
    void idempotencyPathsAndAJwtSecretTurnOnTheOtherTwoFiltersInTheDocumentedOrder() {
        runner.withPropertyValues(uri(), "stateless.idempotency.paths=/orders,/api/orders",
                "stateless.jwt.hmac-secret=a-secret-of-at-least-32-bytes-long!", "stateless.jwt.issuers=shop",
                "stateless.jwt.url-patterns=/api/*").run(context -> {
                    assertThat(context.getBean(TokenVerifier.class)).isInstanceOf(JwtVerifier.class);
                    FilterRegistrationBean<?> bearer = registration(context, "statelessBearerTokenFilter");
                    FilterRegistrationBean<?> bridge = registration(context, "statelessBearerTokenSecurityContext");
                    FilterRegistrationBean<?> idempotency = registration(context, "statelessIdempotencyFilter");
                    FilterRegistrationBean<?> sessions = registration(context, "statelessSessionFilter");
                    assertThat(bearer.getFilter()).isInstanceOf(BearerTokenFilter.class);
                    assertThat(bearer.getUrlPatterns()).containsExactly("/api/*");
                    assertThat(idempotency.isEnabled()).isTrue();
                    assertThat(bearer.getOrder()).isLessThan(bridge.getOrder());
                    assertThat(bridge.getOrder()).isLessThan(idempotency.getOrder());
                    assertThat(idempotency.getOrder()).isLessThan(sessions.getOrder());
                });
    }

    @Test
    void theApplicationsOwnStoreCodecAndVerifierWin() {
        runner.withPropertyValues(uri(), "stateless.jwt.hmac-secret=a-secret-of-at-least-32-bytes-long!")
                .withUserConfiguration(OwnBeans.class).run(context -> {
                    assertThat(context.getBean(SessionStore.class)).isSameAs(context.getBean(OwnBeans.class).store);
                    assertThat(context.getBean(AttributeCodec.class)).isSameAs(OwnBeans.CODEC);
                    assertThat(context.getBean(TokenVerifier.class)).isSameAs(OwnBeans.VERIFIER);
                    assertThat(context).hasSingleBean(SessionStore.class).hasSingleBean(TokenVerifier.class);
                    assertThat(registration(context, "statelessSessionFilter").getFilter())
                            .isInstanceOf(StatelessSessionFilter.class);
                    assertThat(registration(context, "statelessBearerTokenFilter").getFilter())
                            .isInstanceOf(BearerTokenFilter.class);
                });
    }

    @Test
    void withoutARedisUriThereAreNoStoresAndNoFilters() {
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(RedisStores.class).doesNotHaveBean(SessionStore.class)
                    .doesNotHaveBean(IdempotencyKeyStore.class).doesNotHaveBean("statelessSessionFilter")
                    .doesNotHaveBean("statelessIdempotencyFilter");
        });
    }

    @Test
    void sessionsCanBeLeftToTheContainer() {
        runner.withPropertyValues(uri(), "stateless.session.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(SessionStore.class).doesNotHaveBean("statelessSessionFilter");
            assertThat(context).hasSingleBean(IdempotencyKeyStore.class);
        });
    }

    @Test
    void withSpringSecurityTheCodecIsSerializableAndAllowsItsTypesElseJson() {
        runner.withPropertyValues(uri(), "stateless.session.types=dev.stateless.spring.boot.*").run(context -> {
            AttributeCodec codec = context.getBean(AttributeCodec.class);
            assertThat(codec).isInstanceOf(SerializableAttributeCodec.class);
            var contextOfAda = new org.springframework.security.core.context.SecurityContextImpl(
                    org.springframework.security.authentication.UsernamePasswordAuthenticationToken.authenticated("ada", null,
                            java.util.List.of(new org.springframework.security.core.authority.SimpleGrantedAuthority("ROLE_USER"))));
            assertThat(codec.decode(codec.encode(contextOfAda))).isEqualTo(contextOfAda);
        });
        runner.withPropertyValues(uri()).withClassLoader(new FilteredClassLoader("org.springframework.security"))
                .run(context -> assertThat(context.getBean(AttributeCodec.class)).isInstanceOf(JsonAttributeCodec.class));
    }

    /**
     * JSON cannot carry Spring Security's types (see SpringSecurityContextTest in core: not even with
     * its Jackson 2 modules); chosen anyway, a login is refused loudly when stored, naming the type.
     */
    @Test
    void theJsonCodecChosenWithSpringSecurityRefusesItsContextLoudly() {
        runner.withPropertyValues(uri(), "stateless.session.codec=json").run(context -> {
            AttributeCodec codec = context.getBean(AttributeCodec.class);
            assertThat(codec).isInstanceOf(JsonAttributeCodec.class);
            var contextOfAda = new org.springframework.security.core.context.SecurityContextImpl(
                    org.springframework.security.authentication.UsernamePasswordAuthenticationToken.authenticated("ada", null,
                            java.util.List.of()));
            assertThatThrownBy(() -> codec.encode(contextOfAda)).isInstanceOf(AttributeCodecException.class)
                    .hasMessageContaining("SecurityContextImpl");
        });
    }

    @Test
    void theApplicationsLettuceResourcesAreUsedAndOutliveTheContext() {
        ClientResources own = DefaultClientResources.create();
        try {
            runner.withPropertyValues(uri()).withBean(ClientResources.class, () -> own, b -> b.setDestroyMethodName(""))
                    .run(context -> {
                        SessionStore store = context.getBean(SessionStore.class);
                        assertThat(store.load(store.newSession().id())).isEmpty(); // connects through them
                    });
            assertThat(own.eventExecutorGroup().isShuttingDown()).isFalse();
        } finally {
            own.shutdown();
        }
    }

    @Test
    void startupFailsWhenSpringSecuritysChainWouldRunBeforeTheSession() {
        runner.withPropertyValues(uri(), "stateless.filter-order=-50").withUserConfiguration(SecurityChainAt100.class)
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("stateless.filter-order (-50) must be lower")
                        .hasMessageContaining("spring.security.filter.order"));
    }

    @Test
    void aBadPropertyFailsStartupNamingIt() {
        runner.withPropertyValues(uri(), "stateless.redis.key-prefix=a{b}")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("stateless.redis: keyPrefix must not contain"));
        runner.withPropertyValues("stateless.redis.uri=http://localhost").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("stateless.redis: uri: not a Redis URI"));
        runner.withPropertyValues(uri(), "stateless.jwt.hmac-secret=short").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("stateless.jwt: ").hasStackTraceContaining("32"));
    }

    @Test
    void theJarDescribesEveryPropertyForIdes() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(metadata).contains("\"stateless.redis.uri\"", "\"stateless.session.idle-timeout\"",
                    "\"stateless.session.cookie.same-site\"", "\"stateless.idempotency.paths\"",
                    "\"stateless.jwt.jwks-uri\"", "\"stateless.jwt.audiences\"", "\"stateless.revocation.enabled\"",
                    "Where Redis is");
        }
    }

    private static FilterRegistrationBean<?> registration(org.springframework.context.ApplicationContext context, String name) {
        return context.getBean(name, FilterRegistrationBean.class);
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        static final AttributeCodec CODEC = JsonAttributeCodec.builder().build();
        static final TokenVerifier VERIFIER = token -> new VerifiedToken("ada", Optional.empty(), Optional.empty(),
                Optional.empty(), Set.of(), Map.of());
        final InMemorySessionStore store = InMemorySessionStore.builder().build();

        @Bean
        SessionStore mySessions() {
            return store;
        }

        @Bean
        AttributeCodec myCodec() {
            return CODEC;
        }

        @Bean
        TokenVerifier myVerifier() {
            return VERIFIER;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SecurityChainAt100 {
        @Bean
        DelegatingFilterProxyRegistrationBean securityFilterChainRegistration() {
            DelegatingFilterProxyRegistrationBean chain = new DelegatingFilterProxyRegistrationBean("springSecurityFilterChain");
            chain.setOrder(-100);
            return chain;
        }
    }
}
