package dev.stateless.spring.boot;

import dev.stateless.core.token.VerifiedToken;
import dev.stateless.servlet.BearerTokenFilter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;

/**
 * Between our filters and Spring Security. Its default {@code SecurityContextRepository} reads the
 * request attribute {@link RequestAttributeSecurityContextRepository#DEFAULT_REQUEST_ATTR_NAME}
 * before the session; this filter, right after {@link BearerTokenFilter}, puts the token's user
 * there (authorities {@code ROLE_} + each role or scope), so that Spring Security's authorization,
 * {@code getUserPrincipal()} and {@code @AuthenticationPrincipal} see the bearer token's user. The
 * other way, Spring Security's login saves the context in that attribute, where the session filter
 * finds the user who just logged in, to record the session's owner.
 */
final class SpringSecurityBridge implements Filter {

    private static final String CONTEXT = RequestAttributeSecurityContextRepository.DEFAULT_REQUEST_ATTR_NAME;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request.getAttribute(BearerTokenFilter.TOKEN_ATTRIBUTE) instanceof VerifiedToken token
                && request.getAttribute(CONTEXT) == null) {
            List<SimpleGrantedAuthority> authorities = token.roles().stream().sorted()
                    .map(role -> new SimpleGrantedAuthority("ROLE_" + role)).toList();
            PreAuthenticatedAuthenticationToken authentication = new PreAuthenticatedAuthenticationToken(
                    token.principal(), "", authorities);
            authentication.setDetails(token);
            request.setAttribute(CONTEXT, new SecurityContextImpl(authentication));
        }
        chain.doFilter(request, response);
    }

    /** The user Spring Security saved for this request (at login), if any. */
    static Optional<String> savedPrincipal(HttpServletRequest request) {
        if (request.getAttribute(CONTEXT) instanceof SecurityContext context) {
            Authentication authentication = context.getAuthentication();
            if (authentication != null && authentication.isAuthenticated()
                    && !(authentication instanceof AnonymousAuthenticationToken)) {
                return Optional.ofNullable(authentication.getName());
            }
        }
        return Optional.empty();
    }
}
