/**
 * {@link dev.stateless.core.token.TokenVerifier} and a token issuer on Nimbus JOSE+JWT.
 *
 * <p>Public: {@link dev.stateless.jwt.JwtVerifier} (verifies signed JWTs with configured keys or keys
 * from a JWKS endpoint), {@link dev.stateless.jwt.JwtIssuer} (mints them) and
 * {@link dev.stateless.jwt.JwtKeys} (generates keys), and {@link dev.stateless.jwt.JwtVerifierProvider}
 * (makes a verifier from text options, for {@code web.xml}). Everything else is package-private.
 */
package dev.stateless.jwt;
