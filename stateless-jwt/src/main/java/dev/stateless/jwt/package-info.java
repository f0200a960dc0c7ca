/** {@link dev.stateless.core.token.TokenVerifier} and a token issuer on Nimbus JOSE+JWT. */
package dev.stateless.jwt;
