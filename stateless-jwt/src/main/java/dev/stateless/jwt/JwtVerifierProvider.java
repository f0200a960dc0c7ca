package dev.stateless.jwt;

import dev.stateless.core.session.SessionStores;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.RevocationLists;
import dev.stateless.core.token.TokenVerifier;
import dev.stateless.core.token.TokenVerifierProvider;
import dev.stateless.core.token.VerifiedToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Makes a {@link JwtVerifier} from text options (the {@code BearerTokenFilter}'s {@code web.xml}
 * init parameters), found by {@link dev.stateless.core.token.TokenVerifiers} under the name
 * {@code jwt}. Every {@link JwtVerifier.Builder} option that text can express has a kebab-case
 * name: {@code jwks-uri}, {@code issuers}, {@code audiences}, {@code algorithms},
 * {@code clock-skew}, {@code roles-claims}, ... (see the module README for the table).
 *
 * <p>An HMAC secret is never an option value: {@code hmac-secret-env} names an environment variable
 * and {@code hmac-secret-file} a file that holds it (base64), because {@code web.xml} is packaged
 * in the WAR and kept in source control, where a secret that signs tokens must never be. A
 * {@code revocation-uri} makes a {@link RevocationList} through
 * {@link RevocationLists#create}; the verifier returned then implements {@link AutoCloseable} and
 * closes that list.
 */
public final class JwtVerifierProvider implements TokenVerifierProvider {

    private static final int MAX_FILE_SIZE = 1024 * 1024;

    /** Builder option names as they appear in its messages, and the text options that set them. */
    private static final Map<String, String> BUILDER_NAMES = builderNames();

    private final Function<String, String> environment;

    /** For {@link java.util.ServiceLoader}: reads secrets from the process environment. */
    public JwtVerifierProvider() {
        this(System::getenv);
    }

    /** For tests: reads "environment variables" from {@code environment}. */
    JwtVerifierProvider(Function<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    @Override
    public String name() {
        return "jwt";
    }

    @Override
    public TokenVerifier create(Map<String, String> options) {
        Map<String, String> left = new LinkedHashMap<>(options);
        if (left.containsKey("hmac-secret")) {
            throw new IllegalArgumentException("hmac-secret is not accepted: a secret in web.xml ends up in the WAR and "
                    + "in source control; name an environment variable with hmac-secret-env or a file with hmac-secret-file");
        }
        JwtVerifier.Builder builder = JwtVerifier.builder();
        String secretSource = secret(builder, left);
        boolean hasKey = secretSource != null;

        String jwksUri = left.remove("jwks-uri");
        if (jwksUri != null) {
            JwksOptions.Builder jwks;
            try {
                jwks = JwksOptions.builder(new URI(jwksUri.trim()));
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("jwks-uri is not a URI: '" + jwksUri + "'");
            }
            take(left, "jwks-timeout", v -> jwks.timeout(SessionStores.duration("jwks-timeout", v)));
            take(left, "jwks-max-response-size", v -> jwks.maxResponseSize(integer("jwks-max-response-size", v)));
            take(left, "jwks-min-refresh-interval",
                    v -> jwks.minRefreshInterval(SessionStores.duration("jwks-min-refresh-interval", v)));
            take(left, "jwks-refresh-interval",
                    v -> jwks.refreshInterval(SessionStores.duration("jwks-refresh-interval", v)));
            take(left, "jwks-outage-tolerance",
                    v -> jwks.outageTolerance(SessionStores.duration("jwks-outage-tolerance", v)));
            step("jwks-uri", () -> builder.jwks(jwks.build()));
            hasKey = true;
        }
        String jwkSet = left.remove("jwk-set");
        if (jwkSet != null) {
            step("jwk-set", () -> builder.jwkSet(jwkSet));
            hasKey = true;
        }
        String jwkSetFile = left.remove("jwk-set-file");
        if (jwkSetFile != null) {
            String json = readFile("jwk-set-file", jwkSetFile);
            step("jwk-set-file", () -> builder.jwkSet(json));
            hasKey = true;
        }
        String publicKeyFile = left.remove("public-key-file");
        String publicKeyId = left.remove("public-key-id");
        if (publicKeyFile != null) {
            if (publicKeyId == null || publicKeyId.isBlank()) {
                throw new IllegalArgumentException("public-key-id must name the key id (kid) of public-key-file");
            }
            String pem = readFile("public-key-file", publicKeyFile);
            step("public-key-file", () -> builder.publicKeyPem(publicKeyId.trim(), pem));
            hasKey = true;
        } else if (publicKeyId != null) {
            throw new IllegalArgumentException("public-key-id is only used with public-key-file");
        }
        if (!hasKey) {
            throw new IllegalArgumentException("no key configured: set hmac-secret-env, hmac-secret-file, jwks-uri, "
                    + "jwk-set, jwk-set-file or public-key-file");
        }

        take(left, "algorithms", v -> builder.algorithms(list(v)));
        take(left, "issuers", v -> builder.issuers(list(v)));
        take(left, "audiences", v -> builder.audiences(list(v)));
        take(left, "require-expiration", v -> builder.requireExpiration(bool("require-expiration", v)));
        take(left, "clock-skew", v -> builder.clockSkew(SessionStores.duration("clock-skew", v)));
        take(left, "required-claims", v -> builder.requiredClaims(list(v)));
        take(left, "accepted-types", v -> builder.acceptedTypes(list(v)));
        take(left, "access-token-profile", v -> {
            if (bool("access-token-profile", v)) {
                builder.accessTokenProfile();
            }
        });
        take(left, "max-token-size", v -> builder.maxTokenSize(integer("max-token-size", v)));
        take(left, "roles-claims", v -> builder.rolesClaims(list(v)));
        take(left, "require-low-s", v -> builder.requireLowS(bool("require-low-s", v)));
        boolean allowWithoutId = false;
        String allowWithoutIdText = left.remove("allow-tokens-without-id");
        if (allowWithoutIdText != null) {
            allowWithoutId = bool("allow-tokens-without-id", allowWithoutIdText);
        }

        String revocationUri = left.remove("revocation-uri");
        Map<String, String> revocationOptions = new LinkedHashMap<>();
        String revocationTimeout = left.remove("revocation-command-timeout");
        if (revocationTimeout != null) {
            revocationOptions.put("command-timeout",
                    SessionStores.duration("revocation-command-timeout", revocationTimeout).toString());
        }
        String revocationPrefix = left.remove("revocation-key-prefix");
        if (revocationPrefix != null) {
            revocationOptions.put("key-prefix", revocationPrefix);
        }
        if (revocationUri == null && !revocationOptions.isEmpty()) {
            throw new IllegalArgumentException("revocation-command-timeout and revocation-key-prefix need revocation-uri");
        }
        for (String jwksOption : List.of("jwks-timeout", "jwks-max-response-size", "jwks-min-refresh-interval",
                "jwks-refresh-interval", "jwks-outage-tolerance")) {
            if (left.containsKey(jwksOption)) {
                throw new IllegalArgumentException(jwksOption + " needs jwks-uri");
            }
        }
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("unknown parameters " + left.keySet());
        }
        if (allowWithoutId && revocationUri == null) {
            throw new IllegalArgumentException("allow-tokens-without-id needs revocation-uri");
        }

        // Built (and so checked) before the revocation list exists: a configuration that fails opens no connection.
        JwtVerifier verifier = translated(secretSource, builder::build);
        if (revocationUri == null) {
            return verifier;
        }
        RevocationList revocations;
        try {
            revocations = RevocationLists.create(revocationUri.trim(), revocationOptions);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("revocation-uri: " + e.getMessage(), e);
        }
        try {
            builder.revocationList(revocations);
            if (allowWithoutId) {
                builder.allowTokensWithoutId();
            }
            return new OwningVerifier(builder.build(), revocations);
        } catch (RuntimeException e) {
            revocations.close();
            throw e;
        }
    }

    /** Sets the HMAC secret from the environment variable or file named; returns the option used, or null. */
    private String secret(JwtVerifier.Builder builder, Map<String, String> options) {
        String variable = options.remove("hmac-secret-env");
        String file = options.remove("hmac-secret-file");
        if (variable != null && file != null) {
            throw new IllegalArgumentException("hmac-secret-env and hmac-secret-file exclude each other");
        }
        String option;
        String text;
        if (variable != null) {
            option = "hmac-secret-env";
            if (variable.isBlank()) {
                throw new IllegalArgumentException("hmac-secret-env must name an environment variable");
            }
            text = environment.apply(variable.trim());
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("hmac-secret-env: the environment variable '" + variable.trim()
                        + "' is not set or empty");
            }
        } else if (file != null) {
            option = "hmac-secret-file";
            text = readFile(option, file);
        } else {
            return null;
        }
        byte[] secret = base64(option, text);
        try {
            builder.hmacSecret(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        return option;
    }

    /** Standard or URL-safe base64, padding optional, whitespace ignored; the message never quotes the text. */
    private static byte[] base64(String option, String text) {
        StringBuilder clean = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                clean.append(c == '-' ? '+' : c == '_' ? '/' : c);
            }
        }
        try {
            return Base64.getDecoder().decode(clean.toString());
        } catch (IllegalArgumentException e) {
            // The cause is dropped: its message quotes a character of the secret.
            throw new IllegalArgumentException(option + ": the secret must be base64 (e.g. the output of "
                    + "'openssl rand -base64 32')");
        } finally {
            clean.setLength(0);
        }
    }

    private static String readFile(String option, String name) {
        Path path;
        try {
            path = Path.of(name.trim());
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(option + " is not a file path: '" + name + "'");
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] content = in.readNBytes(MAX_FILE_SIZE + 1);
            if (content.length > MAX_FILE_SIZE) {
                throw new IllegalArgumentException(option + ": the file '" + path + "' is larger than " + MAX_FILE_SIZE + " bytes");
            }
            return new String(content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": the file '" + path + "' cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static void take(Map<String, String> options, String name, java.util.function.Consumer<String> apply) {
        String value = options.remove(name);
        if (value != null) {
            step(name, () -> apply.accept(value));
        }
    }

    private static void step(String option, Runnable step) {
        translated(option, () -> {
            step.run();
            return null;
        });
    }

    /**
     * Runs a builder step, renaming the builder's option names in its message to the text option
     * names a user wrote ({@code clockSkew} becomes {@code clock-skew}; the secret, the option it came from).
     */
    private static <T> T translated(String secretOption, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            String message = Objects.requireNonNullElse(e.getMessage(), "invalid");
            for (Map.Entry<String, String> name : BUILDER_NAMES.entrySet()) {
                if (message.startsWith(name.getKey() + ":") || message.startsWith(name.getKey() + " ")) {
                    String option = name.getKey().equals("hmacSecret") && secretOption != null ? secretOption : name.getValue();
                    throw new IllegalArgumentException(option + message.substring(name.getKey().length()), e);
                }
            }
            throw e;
        }
    }

    private static Map<String, String> builderNames() {
        Map<String, String> names = new LinkedHashMap<>();
        // longer names first, so that "jwksUri" never matches "jwks..." of another
        names.put("jwksMinRefreshInterval", "jwks-min-refresh-interval");
        names.put("jwksRefreshInterval", "jwks-refresh-interval");
        names.put("jwksOutageTolerance", "jwks-outage-tolerance");
        names.put("jwksMaxResponseSize", "jwks-max-response-size");
        names.put("jwksTimeout", "jwks-timeout");
        names.put("jwksUri", "jwks-uri");
        names.put("requireLowS", "require-low-s");
        names.put("jwkSet", "jwk-set");
        names.put("publicKeyPem", "public-key-file");
        names.put("hmacSecret", "hmac-secret-env");
        names.put("algorithms", "algorithms");
        names.put("issuers", "issuers");
        names.put("audiences", "audiences");
        names.put("requireExpiration", "require-expiration");
        names.put("clockSkew", "clock-skew");
        names.put("requiredClaims", "required-claims");
        names.put("acceptedTypes", "accepted-types");
        names.put("accessTokenProfile", "access-token-profile");
        names.put("maxTokenSize", "max-token-size");
        names.put("rolesClaims", "roles-claims");
        return names;
    }

    /** Values separated by commas or white space. */
    private static String[] list(String text) {
        return Arrays.stream(text.split("[,\\s]+")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    private static boolean bool(String option, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(option + " must be true or false, was '" + value + "'");
        };
    }

    private static int integer(String option, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a whole number, was '" + value + "'");
        }
    }

    /** A verifier that owns the revocation list it was made with. */
    private static final class OwningVerifier implements TokenVerifier, AutoCloseable {
        private final JwtVerifier verifier;
        private final RevocationList revocations;

        OwningVerifier(JwtVerifier verifier, RevocationList revocations) {
            this.verifier = verifier;
            this.revocations = revocations;
        }

        @Override
        public VerifiedToken verify(String token) {
            return verifier.verify(token);
        }

        @Override
        public void revoke(VerifiedToken token) {
            verifier.revoke(token);
        }

        @Override
        public void close() {
            revocations.close();
        }

        @Override
        public String toString() {
            return verifier.toString();
        }
    }
}
