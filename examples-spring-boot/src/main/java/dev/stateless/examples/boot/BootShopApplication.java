package dev.stateless.examples.boot;

import dev.stateless.jwt.JwtIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A Spring Boot shop with Spring Security form login, made stateless by the starter and a few
 * {@code stateless.*} properties (application.properties): the login, the cart and the CSRF token
 * live in the session in Redis, so any instance serves any request; orders are idempotent; the
 * {@code /api} paths take bearer tokens that this app issues at {@code /token}.
 */
@SpringBootApplication
public class BootShopApplication {

    public static void main(String[] args) {
        SpringApplication.run(BootShopApplication.class, args);
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests
                        // the bearer token filter in front has authenticated these; Spring Security sees its user
                        .requestMatchers("/api/**").hasRole("shopper")
                        // Boot's error page: else a failure reaches the client as a redirect to the login page
                        .requestMatchers("/error").permitAll()
                        .anyRequest().authenticated())
                .formLogin(Customizer.withDefaults())
                // bearer requests carry no cookie a forged form could ride on
                .csrf(csrf -> csrf.ignoringRequestMatchers("/api/**"));
        return http.build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}alice-pw").roles("shopper").build(),
                User.withUsername("bob").password("{noop}bob-pw").roles("shopper").build());
    }

    /** Issues the tokens the starter's verifier accepts: same secret, issuer and audience. */
    @Bean
    JwtIssuer tokens(@Value("${stateless.jwt.hmac-secret}") String secret, @Value("${stateless.jwt.issuers}") String issuer,
            @Value("${stateless.jwt.audiences}") String audience) {
        return JwtIssuer.builder().hmacSecret(secret.getBytes(StandardCharsets.UTF_8)).issuer(issuer).audience(audience)
                .lifetime(Duration.ofMinutes(15)).build();
    }
}
