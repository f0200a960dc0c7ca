package dev.stateless.redis;

import static dev.stateless.testing.Tokens.withId;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationEntries;
import dev.stateless.core.token.RevocationList;
import dev.stateless.testing.RedisCluster;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the Cluster tests share: where a record's key lives (computed from its hash tag, as Redis
 * does) and ids or keys that land on a chosen master.
 */
final class ClusterStores {

    private ClusterStores() {
    }

    static String sessionKey(SessionId id) {
        return "stateless:s:{" + id.digest() + "}";
    }

    static String principalKey(String principal) {
        return "stateless:p:{" + RedisSupport.sha256(principal) + "}";
    }

    static String recordKey(String idempotencyKey) {
        return "stateless:i:{" + RedisSupport.sha256(idempotencyKey) + "}";
    }

    static String revocationKey(String tokenId) {
        return "stateless:r:{" + RedisSupport.sha256(RevocationEntries.name(withId(tokenId, null))) + "}";
    }

    /** The port of the master that holds {@code key}, computed locally (CRC16 of the hash tag). */
    static int portOf(RedisCluster cluster, String key) {
        return cluster.portOfSlot(SlotHash.getSlot(key));
    }

    /** A fresh session id whose key lives on the master on {@code port}. */
    static SessionId sessionIdOn(RedisCluster cluster, int port) {
        while (true) {
            SessionId id = SessionId.generate();
            if (portOf(cluster, sessionKey(id)) == port) {
                return id;
            }
        }
    }

    /** A fresh idempotency key whose record lives on the master on {@code port}. */
    static String idempotencyKeyOn(RedisCluster cluster, int port) {
        while (true) {
            String key = "idem-" + UUID.randomUUID();
            if (portOf(cluster, recordKey(key)) == port) {
                return key;
            }
        }
    }

    /** A fresh token id whose revocation key lives on the master on {@code port}. */
    static String tokenIdOn(RedisCluster cluster, int port) {
        while (true) {
            String jti = UUID.randomUUID().toString();
            if (portOf(cluster, revocationKey(jti)) == port) {
                return jti;
            }
        }
    }

    /** A principal whose index lives on the master on {@code port}. */
    static String principalOn(RedisCluster cluster, int port) {
        while (true) {
            String principal = "user-" + UUID.randomUUID();
            if (portOf(cluster, principalKey(principal)) == port) {
                return principal;
            }
        }
    }

    // ---- work-around: a fresh store rejects its first call to each master

    /*
     * Lettuce opens the connection to each master lazily, on the first command for one of its
     * slots. The contract suites time leases and expiries in hundreds of milliseconds, so their
     * stores open every master connection first, with side-effect-free calls, to keep connection
     * setup out of those timings. (ClusterConnectionTest checks that a fresh store's very first
     * call to every master succeeds without this.)
     */

    static <S extends SessionStore> S connected(RedisCluster cluster, S store) {
        for (int port : cluster.ports()) {
            SessionId probe = sessionIdOn(cluster, port);
            retryWhileUnavailable(() -> store.load(probe));
        }
        return store;
    }

    static <S extends IdempotencyKeyStore> S connected(RedisCluster cluster, S store) {
        for (int port : cluster.ports()) {
            String probe = idempotencyKeyOn(cluster, port);
            retryWhileUnavailable(() -> store.release(probe, 1)); // refused: writes nothing
        }
        return store;
    }

    static <S extends RevocationList> S connected(RedisCluster cluster, S list) {
        for (int port : cluster.ports()) {
            String probe = tokenIdOn(cluster, port);
            retryWhileUnavailable(() -> list.isRevoked(withId(probe, null)));
        }
        return list;
    }

    /** Calls {@code call} until it does not throw {@link StoreUnavailableException}, for up to {@code timeout}. */
    static <T> T retryWhileUnavailable(Supplier<T> call, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (StoreUnavailableException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** As {@link #retryWhileUnavailable(Supplier, Duration)} for up to 20 s (a loaded machine connects slowly). */
    static <T> T retryWhileUnavailable(Supplier<T> call) {
        return retryWhileUnavailable(call, Duration.ofSeconds(20));
    }
}
