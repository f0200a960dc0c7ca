package dev.stateless.spring.boot;

import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.jwt.JwtVerifier;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * A {@link JwtVerifier} from {@code stateless.jwt.*} when keys are configured (a JWKS endpoint or a
 * shared secret), checking the Redis revocation list when there is one. A {@link TokenVerifier}
 * bean of the application's replaces it.
 */
@AutoConfiguration(after = StatelessStoresAutoConfiguration.class)
@ConditionalOnClass(JwtVerifier.class)
public class StatelessJwtAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StatelessJwtAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    @Conditional(KeysConfigured.class)
    TokenVerifier statelessTokenVerifier(StatelessProperties properties, ObjectProvider<RevocationList> revocations) {
        StatelessProperties.Jwt jwt = properties.getJwt();
        RevocationList revoked = revocations.getIfUnique();
        log.info("stateless: bearer tokens verified with {}, issuers {}, audiences {}, revocation list {}",
                jwt.getJwksUri() != null ? "the JWKS at " + jwt.getJwksUri() : "a shared secret", jwt.getIssuers(),
                jwt.getAudiences(), revoked != null ? "in Redis" : "none");
        return StatelessProperties.checked("stateless.jwt", () -> {
            JwtVerifier.Builder builder = JwtVerifier.builder();
            if (jwt.getJwksUri() != null) {
                builder.jwksUri(jwt.getJwksUri());
            }
            if (jwt.getHmacSecret() != null) {
                builder.hmacSecret(jwt.getHmacSecret().getBytes(StandardCharsets.UTF_8));
            }
            builder.issuers(jwt.getIssuers().toArray(String[]::new))
                    .audiences(jwt.getAudiences().toArray(String[]::new))
                    .clockSkew(jwt.getClockSkew())
                    .rolesClaims(jwt.getRolesClaims().toArray(String[]::new));
            if (revoked != null) {
                builder.revocationList(revoked);
            }
            return builder.build();
        });
    }

    /** A JWKS endpoint or a shared secret is configured. */
    static final class KeysConfigured extends AnyNestedCondition {

        KeysConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "stateless.jwt", name = "jwks-uri")
        static final class Jwks {
        }

        @ConditionalOnProperty(prefix = "stateless.jwt", name = "hmac-secret")
        static final class Secret {
        }
    }
}
