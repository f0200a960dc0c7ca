package dev.stateless.core.token;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/** Makes token verifiers from text configuration, through the {@link TokenVerifierProvider}s on the class path. */
public final class TokenVerifiers {

    /** The option that names the provider when several are on the class path. */
    public static final String PROVIDER_OPTION = "verifier";

    private TokenVerifiers() {
    }

    /**
     * Makes a verifier with the one {@link TokenVerifierProvider} on the class path
     * ({@code stateless-jwt}'s, named {@code jwt}), or the one named by the option
     * {@value #PROVIDER_OPTION}. Every other option goes to the provider. If the result implements
     * {@link AutoCloseable}, the caller closes it.
     *
     * @param options text options ({@code jwks-uri}, {@code issuers}, ...)
     * @return a new verifier; the caller closes it when it is {@link AutoCloseable}
     * @throws IllegalArgumentException when no provider fits, or for a bad option, naming it
     */
    public static TokenVerifier create(Map<String, String> options) {
        Objects.requireNonNull(options, "options");
        Map<String, String> left = new LinkedHashMap<>(options);
        String wanted = left.remove(PROVIDER_OPTION);
        List<TokenVerifierProvider> providers = new ArrayList<>();
        ServiceLoader.load(TokenVerifierProvider.class, TokenVerifiers.class.getClassLoader()).forEach(providers::add);
        List<String> names = providers.stream().map(TokenVerifierProvider::name).toList();
        if (wanted != null) {
            for (TokenVerifierProvider provider : providers) {
                if (provider.name().equalsIgnoreCase(wanted.trim())) {
                    return provider.create(left);
                }
            }
            throw new IllegalArgumentException(PROVIDER_OPTION + " names no token verifier on the class path: '"
                    + wanted + "' (found " + names + ")");
        }
        if (providers.isEmpty()) {
            throw new IllegalArgumentException("no token verifier on the class path: is stateless-jwt there?");
        }
        if (providers.size() > 1) {
            throw new IllegalArgumentException("several token verifiers on the class path " + names
                    + ": choose one with the option '" + PROVIDER_OPTION + "'");
        }
        return providers.get(0).create(left);
    }
}
