package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;

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
}
