package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.core.userdetails.User;

/** A form-login app keeps Spring Security's context in the session: it must survive a move between nodes. */
class SpringSecurityContextTest {

    private static SecurityContext loggedIn() {
        List<SimpleGrantedAuthority> authorities = List.of(new SimpleGrantedAuthority("ROLE_USER"),
                new SimpleGrantedAuthority("ROLE_ADMIN"));
        User user = new User("ada", "", authorities);
        UsernamePasswordAuthenticationToken token = UsernamePasswordAuthenticationToken.authenticated(user, null, authorities);
        token.setDetails("from 127.0.0.1");
        return new SecurityContextImpl(token);
    }

    @Test
    void aSecurityContextRoundTripsThroughTheSerializableCodecWithSpringSecurityAllowed() {
        SerializableAttributeCodec codec = SerializableAttributeCodec.builder()
                .allowTypes("org.springframework.security.**")
                .build();
        SecurityContext context = loggedIn();

        SecurityContext back = (SecurityContext) codec.decode(codec.encode(context));

        assertThat(back).isEqualTo(context);
        Authentication authentication = back.getAuthentication();
        assertThat(authentication.isAuthenticated()).isTrue();
        assertThat(authentication.getName()).isEqualTo("ada");
        assertThat(authentication.getAuthorities()).extracting(Object::toString).containsExactly("ROLE_USER", "ROLE_ADMIN");
        assertThat(((User) authentication.getPrincipal()).getAuthorities()).hasSize(2);
        assertThat(authentication.getDetails()).isEqualTo("from 127.0.0.1");
    }

    @Test
    void theLastLoginFailureThatFormLoginKeepsInTheSessionRoundTripsToo() {
        SerializableAttributeCodec codec = SerializableAttributeCodec.builder()
                .allowTypes("org.springframework.security.**")
                .build();
        Exception failure = new org.springframework.security.authentication.BadCredentialsException("Bad credentials");

        Exception back = (Exception) codec.decode(codec.encode(failure));

        assertThat(back).isInstanceOf(org.springframework.security.authentication.BadCredentialsException.class)
                .hasMessage("Bad credentials");
        assertThat(back.getStackTrace()).isEqualTo(failure.getStackTrace());
    }

    /**
     * Spring Security's Jackson modules expect their own default typing (class names under
     * {@code @class}, which {@code SecurityJackson2Modules.enableDefaultTyping} installs); the codec
     * keeps its allow-list typing, and their deserializers then cannot read the collections inside.
     * What matters: this is found when the value is first stored, loudly, not when it is read.
     */
    @Test
    @SuppressWarnings("removal")
    void throughJsonWithSpringSecuritysJacksonModuleItIsRefusedWhenStoredNotLostWhenRead() {
        JsonAttributeCodec codec = JsonAttributeCodec.builder()
                .addModule(new org.springframework.security.jackson2.CoreJackson2Module())
                .allowTypes("org.springframework.security.**",
                        "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableSet")
                .build();

        assertThatThrownBy(() -> codec.encode(loggedIn()))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(SecurityContextImpl.class.getName())
                .hasMessageContaining("cannot be read back")
                .hasMessageContaining("SerializableAttributeCodec")
                .extracting(e -> ((AttributeCodecException) e).reason())
                .isEqualTo(AttributeCodecException.Reason.UNSUPPORTED_TYPE);
    }
}
