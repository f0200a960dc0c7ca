package dev.stateless.spring.boot;

import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.servlet.BearerTokenFilter;
import dev.stateless.servlet.CookieSessionIdResolver;
import dev.stateless.servlet.IdempotencyFilter;
import dev.stateless.servlet.SessionIdResolver;
import dev.stateless.servlet.StatelessSessionFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.DelegatingFilterProxyRegistrationBean;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * Registers the three filters, in the documented order and all before Spring Security's filter
 * chain: {@link BearerTokenFilter} ({@code stateless.filter-order} - 20), {@link IdempotencyFilter}
 * (- 10, only for {@code stateless.idempotency.paths}), {@link StatelessSessionFilter}
 * ({@code stateless.filter-order}, -110 by default; Spring Security's chain is at -100 and keeps its
 * {@code SecurityContext} in the session, so the session must be ours before it runs). Startup
 * fails when Spring Security's chain is ordered before the session filter.
 *
 * <p>The session owner and the idempotency scope are the principal that {@code BearerTokenFilter}
 * publishes, else the one Spring Security saved for this request at login, else the container's.
 */
@AutoConfiguration(after = StatelessJwtAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(StatelessSessionFilter.class)
public class StatelessFilterAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StatelessFilterAutoConfiguration.class);

    static final String SPRING_SECURITY_WEB = "org.springframework.security.web.context.RequestAttributeSecurityContextRepository";

    @Bean
    @ConditionalOnMissingBean
    SessionIdResolver statelessSessionIdResolver(StatelessProperties properties) {
        StatelessProperties.Cookie cookie = properties.getSession().getCookie();
        return StatelessProperties.checked("stateless.session.cookie", () -> {
            CookieSessionIdResolver.Builder builder = CookieSessionIdResolver.builder()
                    .name(cookie.getName())
                    .secure(CookieSessionIdResolver.Secure.parse(cookie.getSecure()))
                    .httpOnly(cookie.isHttpOnly())
                    .sameSite(CookieSessionIdResolver.SameSite.parse(cookie.getSameSite()));
            Optional.ofNullable(cookie.getPath()).ifPresent(builder::path);
            Optional.ofNullable(cookie.getDomain()).ifPresent(builder::domain);
            Optional.ofNullable(cookie.getMaxAge()).ifPresent(builder::maxAge);
            return builder.build();
        });
    }

    @Bean
    @ConditionalOnBean(SessionStore.class)
    @ConditionalOnMissingBean(name = "statelessSessionFilter")
    @ConditionalOnProperty(prefix = "stateless.session", name = "enabled", matchIfMissing = true)
    FilterRegistrationBean<StatelessSessionFilter> statelessSessionFilter(SessionStore store, SessionIdResolver ids,
            StatelessProperties properties) {
        StatelessProperties.Session session = properties.getSession();
        StatelessSessionFilter filter = StatelessSessionFilter.builder(store)
                .idResolver(ids)
                .principalResolver(principals())
                .rotateIdOnLogin(session.isRotateIdOnLogin())
                .urlRewriting(session.isUrlRewriting())
                .build();
        FilterRegistrationBean<StatelessSessionFilter> registration = new FilterRegistrationBean<>(filter);
        registration.setName("statelessSessionFilter");
        registration.setOrder(properties.getFilterOrder());
        registration.setAsyncSupported(true);
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.addUrlPatterns("/*");
        return registration;
    }

    @Bean
    @ConditionalOnBean(IdempotencyKeyStore.class)
    @ConditionalOnMissingBean(name = "statelessIdempotencyFilter")
    FilterRegistrationBean<IdempotencyFilter> statelessIdempotencyFilter(IdempotencyKeyStore store,
            SessionIdResolver ids, StatelessProperties properties, ConfigurableListableBeanFactory beans) {
        StatelessProperties.Idempotency idempotency = properties.getIdempotency();
        List<String> paths = idempotency.getPaths();
        IdempotencyFilter filter = StatelessProperties.checked("stateless.idempotency", () -> {
            IdempotencyFilter.Builder builder = IdempotencyFilter.builder(store)
                    .methods(idempotency.getMethods().toArray(String[]::new))
                    .required(idempotency.isRequired())
                    .maxBodySize(idempotency.getMaxBodySize())
                    .failOpen(idempotency.isFailOpen())
                    .scope(principals())
                    .sessionIds(ids);
            if (!paths.isEmpty()) {
                builder.paths(paths.toArray(String[]::new));
            }
            if (idempotency.getMaxRecordsPerHour() > 0) {
                builder.maxRecordsPerScopeAndHour(idempotency.getMaxRecordsPerHour());
            }
            if (properties.metricsOn(beans.getBeanClassLoader())) {
                StatelessMeters.apply(beans, builder);
            }
            return builder.build();
        });
        FilterRegistrationBean<IdempotencyFilter> registration = new FilterRegistrationBean<>(filter);
        registration.setName("statelessIdempotencyFilter");
        registration.setOrder(properties.getFilterOrder() - 10);
        registration.setAsyncSupported(true);
        // ASYNC too: an async dispatch that ends the cycle records the answer before it is sent
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.addUrlPatterns("/*");
        // Without paths no request is idempotent: leave the filter out rather than guard everything.
        registration.setEnabled(!paths.isEmpty());
        log.info("stateless: idempotency {}", paths.isEmpty() ? "off (no stateless.idempotency.paths)"
                : "on " + idempotency.getMethods() + " " + paths + (idempotency.isRequired() ? ", key required" : ""));
        return registration;
    }

    @Bean
    @ConditionalOnBean(TokenVerifier.class)
    @ConditionalOnMissingBean(name = "statelessBearerTokenFilter")
    FilterRegistrationBean<BearerTokenFilter> statelessBearerTokenFilter(TokenVerifier verifier,
            StatelessProperties properties) {
        StatelessProperties.Jwt jwt = properties.getJwt();
        BearerTokenFilter.Builder builder = BearerTokenFilter.builder(verifier)
                .anonymous(jwt.getAnonymous().toArray(String[]::new));
        Optional.ofNullable(jwt.getRealm()).ifPresent(builder::realm);
        FilterRegistrationBean<BearerTokenFilter> registration = new FilterRegistrationBean<>(builder.build());
        registration.setName("statelessBearerTokenFilter");
        registration.setOrder(properties.getFilterOrder() - 20);
        registration.setAsyncSupported(true);
        registration.setUrlPatterns(jwt.getUrlPatterns());
        log.info("stateless: bearer tokens required on {}{}", jwt.getUrlPatterns(),
                jwt.getAnonymous().isEmpty() ? "" : ", except " + jwt.getAnonymous());
        return registration;
    }

    /** Fails at startup when Spring Security's chain would run before the session is ours. */
    @Bean
    SmartInitializingSingleton statelessFilterOrderCheck(ObjectProvider<DelegatingFilterProxyRegistrationBean> chains,
            StatelessProperties properties) {
        return () -> chains.orderedStream().forEach(chain -> {
            if (chain.getOrder() <= properties.getFilterOrder()) {
                throw new IllegalStateException("stateless.filter-order (" + properties.getFilterOrder()
                        + ") must be lower than the order of the filter chain '" + chain.getFilterName() + "' ("
                        + chain.getOrder() + ", spring.security.filter.order): its SecurityContext lives in the "
                        + "session, which must be the shared one when it runs");
            }
        });
    }

    /** Who the request's user is, as filters in front of Spring Security can know it. */
    private Function<HttpServletRequest, Optional<String>> principals() {
        // our loader: the one that links SpringSecurityBridge to Spring Security
        boolean springSecurity = ClassUtils.isPresent(SPRING_SECURITY_WEB, StatelessFilterAutoConfiguration.class.getClassLoader());
        return request -> {
            if (request.getAttribute(StatelessSessionFilter.PRINCIPAL_ATTRIBUTE) instanceof String name && !name.isEmpty()) {
                return Optional.of(name);
            }
            if (springSecurity) {
                Optional<String> saved = SpringSecurityBridge.savedPrincipal(request);
                if (saved.isPresent()) {
                    return saved;
                }
            }
            return Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
        };
    }

    /** Spring Security learns the bearer token's user (see {@link SpringSecurityBridge}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = SPRING_SECURITY_WEB)
    static class SpringSecurity {

        @Bean
        @ConditionalOnBean(TokenVerifier.class)
        @ConditionalOnMissingBean(name = "statelessBearerTokenSecurityContext")
        FilterRegistrationBean<SpringSecurityBridge> statelessBearerTokenSecurityContext(StatelessProperties properties) {
            FilterRegistrationBean<SpringSecurityBridge> registration = new FilterRegistrationBean<>(new SpringSecurityBridge());
            registration.setName("statelessBearerTokenSecurityContext");
            registration.setOrder(properties.getFilterOrder() - 19);
            registration.setAsyncSupported(true);
            registration.setUrlPatterns(properties.getJwt().getUrlPatterns());
            return registration;
        }
    }
}
