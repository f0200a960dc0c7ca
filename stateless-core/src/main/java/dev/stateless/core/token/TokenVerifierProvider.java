package dev.stateless.core.token;

import java.util.Map;

/**
 * Makes a {@link TokenVerifier} from text options, so that a verifier can be configured from text
 * ({@code web.xml}). Found with {@link java.util.ServiceLoader}: a module lists its provider in
 * {@code META-INF/services/dev.stateless.core.token.TokenVerifierProvider} ({@code stateless-jwt}
 * does). Callers use {@link TokenVerifiers#create}. Implementations are stateless and thread-safe.
 */
public interface TokenVerifierProvider {

    /**
     * A short name ({@code jwt}), to choose between providers when several are on the class path.
     *
     * @return the provider's name ({@code jwt}), as the {@code verifier} option names it
     */
    String name();

    /**
     * Makes a verifier. A verifier that holds resources it made itself (a revocation list's
     * connections) also implements {@link AutoCloseable}; whoever called {@code create} closes it.
     *
     * @param options option names in kebab case ({@code jwks-uri}); the provider refuses unknown ones
     * @return a new verifier; the caller closes it when it is {@link AutoCloseable}
     * @throws IllegalArgumentException for a missing, bad or unknown option, naming it; never with
     *     key material in the message
     */
    TokenVerifier create(Map<String, String> options);
}
