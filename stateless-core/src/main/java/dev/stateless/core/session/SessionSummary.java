package dev.stateless.core.session;

import java.time.Instant;

/**
 * One live session of a principal, as {@link SessionStore#findByPrincipal} lists it, for a "your
 * active sessions" page. It carries the id's {@linkplain SessionId#digest() digest}, never the id
 * itself, so listing sessions cannot be used to hijack one.
 */
public record SessionSummary(String digest, Instant createdAt, Instant lastAccessedAt, Instant expiresAt) {
}
