package dev.stateless.redis;

import static dev.stateless.testing.Tokens.withId;

import static dev.stateless.redis.ClusterStores.connected;
import static dev.stateless.redis.ClusterStores.idempotencyKeyOn;
import static dev.stateless.redis.ClusterStores.portOf;
import static dev.stateless.redis.ClusterStores.principalKey;
import static dev.stateless.redis.ClusterStores.principalOn;
import static dev.stateless.redis.ClusterStores.recordKey;
import static dev.stateless.redis.ClusterStores.revocationKey;
import static dev.stateless.redis.ClusterStores.sessionIdOn;
import static dev.stateless.redis.ClusterStores.sessionKey;
import static dev.stateless.redis.ClusterStores.tokenIdOn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionSummary;
import dev.stateless.testing.RedisCluster;
import dev.stateless.testing.RedisClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the stores lay their records out over a real three-master Redis Cluster: every record is one
 * hash-tagged key in the slot of its tag, records spread over every master, and every store
 * operation works when the keys it touches (a session, its new id, its principal's index) sit on
 * different masters: none fails with {@code CROSSSLOT}.
 */
@ExtendWith(RedisClusterExtension.class)
class ClusterLayoutTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Duration ABSOLUTE = Duration.ofHours(12);
    private static final Pattern SESSION_KEY = Pattern.compile("stateless:s:\\{[A-Za-z0-9_-]{43}\\}");

    private static RedisCluster cluster;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private SessionStore sessions;

    @BeforeAll
    static void startCluster(RedisCluster started) {
        cluster = started;
    }

    @BeforeEach
    void open() {
        cluster.flushAll();
        sessions = sessionStore(cluster.uri());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable store : opened) {
            store.close();
        }
    }

    @Test
    void sessionsSpreadOverAllThreeMastersEachKeyOnTheMasterOfItsHashTagSlot() {
        int count = 300;
        List<SessionId> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SessionData session = sessions.newSession();
            assertThat(sessions.save(SessionChanges.to(session).set("n", encode(i)).build())).isTrue();
            ids.add(session.id());
        }

        Map<Integer, Long> sizes = cluster.dbSizes();
        System.out.printf("[cluster layout] %d sessions per master: %s%n", count, sizes);
        assertThat(sizes.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(count);
        // 100 expected on each; 60 is more than five standard deviations below
        assertThat(sizes.values()).allSatisfy(size -> assertThat(size).isGreaterThanOrEqualTo(60));
        for (Map.Entry<Integer, List<String>> node : cluster.keys().entrySet()) {
            int[] range = cluster.slotRange(node.getKey());
            for (String key : node.getValue()) {
                assertThat(key).matches(SESSION_KEY);
                String tag = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
                assertThat(cluster.slotOf(key)).as("slot of %s", key).isEqualTo(cluster.slotOf(tag))
                        .isBetween(range[0], range[1]);
            }
        }
        Set<String> expected = ids.stream().map(ClusterStores::sessionKey).collect(Collectors.toSet());
        assertThat(cluster.keys().values().stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(expected);
        for (int i = 0; i < count; i++) {
            assertThat(decode(sessions.load(ids.get(i)).orElseThrow(), "n")).isEqualTo(i);
        }
    }

    @Test
    void everySessionOperationWorksOnEveryMaster() {
        for (int port : cluster.ports()) {
            SessionId id = saveOn(port, null, Map.of("a", "1", "b", "2"));
            assertThat(cluster.dbSize(port)).isEqualTo(1);
            assertThat(cluster.commandLong(port, "PTTL", sessionKey(id))).isPositive().isLessThanOrEqualTo(IDLE.toMillis());

            SessionData loaded = sessions.load(id).orElseThrow();
            assertThat(sessions.save(SessionChanges.to(loaded).set("a", encode("one")).remove("b")
                    .idleTimeout(Duration.ofMinutes(10)).build())).isTrue();
            SessionData changed = sessions.load(id).orElseThrow();
            assertThat(changed.attributeNames()).containsExactly("a");
            assertThat(decode(changed, "a")).isEqualTo("one");
            assertThat(changed.idleTimeout()).isEqualTo(Duration.ofMinutes(10));

            sessions.delete(id);
            assertThat(sessions.load(id)).isEmpty();
            assertThat(cluster.dbSize(port)).isZero();
        }
    }

    @Test
    void changeIdMovesASessionToTheMasterOfItsNewIdAndLeavesOnlyAForwardOnTheOld() {
        List<Integer> ports = cluster.ports();
        for (int n = 0; n < ports.size(); n++) {
            int from = ports.get(n);
            int to = ports.get((n + 1) % ports.size());
            String principal = "mover-" + n;
            SessionId oldId = saveOn(from, principal, Map.of("cart", List.of("apple", "pear")));
            SessionId newId = sessionIdOn(cluster, to);

            assertThat(sessions.changeId(oldId, newId)).isTrue();

            assertThat(sessions.load(oldId)).isEmpty();
            // only a short-lived forward stays, for invalidations still in flight (invalidation wins)
            assertThat(cluster.commandLong(from, "HLEN", sessionKey(oldId))).isEqualTo(1L);
            assertThat(cluster.command(from, "HGET", sessionKey(oldId), "#f")).isEqualTo(newId.digest());
            assertThat(cluster.commandLong(from, "PTTL", sessionKey(oldId))).isPositive()
                    .isLessThanOrEqualTo(Duration.ofMinutes(5).toMillis());
            assertThat(cluster.command(to, "EXISTS", sessionKey(newId))).isEqualTo("1");
            assertThat(cluster.commandLong(to, "PTTL", sessionKey(newId))).isPositive()
                    .isLessThanOrEqualTo(IDLE.toMillis());
            SessionData moved = sessions.load(newId).orElseThrow();
            assertThat(decode(moved, "cart")).isEqualTo(List.of("apple", "pear"));
            assertThat(moved.principal()).contains(principal);
            assertThat(sessions.findByPrincipal(principal)).extracting(SessionSummary::digest)
                    .containsExactly(newId.digest());
        }
    }

    @Test
    void findAndDeleteByPrincipalReachSessionsOnEveryMasterWhereverTheIndexLives() {
        for (int indexPort : cluster.ports()) {
            String principal = principalOn(cluster, indexPort);
            Set<String> digests = new HashSet<>();
            for (int port : cluster.ports()) {
                digests.add(saveOn(port, principal, Map.of("p", port)).digest());
                digests.add(saveOn(port, principal, Map.of("p", port)).digest());
            }
            SessionId bystander = saveOn(indexPort, null, Map.of("x", 1));
            assertThat(cluster.command(indexPort, "TYPE", principalKey(principal))).isEqualTo("zset");

            assertThat(sessions.findByPrincipal(principal)).extracting(SessionSummary::digest)
                    .containsExactlyInAnyOrderElementsOf(digests);

            assertThat(sessions.deleteByPrincipal(principal)).isEqualTo(6);
            assertThat(sessions.findByPrincipal(principal)).isEmpty();
            assertThat(cluster.command(indexPort, "EXISTS", principalKey(principal))).isEqualTo("0");
            assertThat(sessions.load(bystander)).isPresent();
            assertThat(cluster.dbSizes().values().stream().mapToLong(Long::longValue).sum())
                    .as("only the bystander is left").isEqualTo(1);
            sessions.delete(bystander);
        }
    }

    @Test
    void aSessionMovedToAPrincipalWhoseIndexIsOnAnotherMasterIsListedOnlyThere() {
        List<Integer> ports = cluster.ports();
        String alice = principalOn(cluster, ports.get(0));
        String bob = principalOn(cluster, ports.get(1));
        SessionId id = saveOn(ports.get(2), alice, Map.of());

        assertThat(sessions.save(SessionChanges.to(sessions.load(id).orElseThrow()).principal(bob).build())).isTrue();

        assertThat(sessions.findByPrincipal(alice)).isEmpty();
        assertThat(sessions.findByPrincipal(bob)).extracting(SessionSummary::digest).containsExactly(id.digest());
        assertThat(sessions.deleteByPrincipal(alice)).isZero();
        assertThat(sessions.deleteByPrincipal(bob)).isEqualTo(1);
        assertThat(sessions.load(id)).isEmpty();
    }

    @Test
    void idempotencyRecordsRoundTripOnEveryMaster() {
        IdempotencyKeyStore keys = track(connected(cluster, RedisIdempotencyKeyStore.builder(cluster.uri())
                .lease(Duration.ofSeconds(30)).retention(Duration.ofMinutes(10)).build()));
        for (int port : cluster.ports()) {
            String key = idempotencyKeyOn(cluster, port);
            Acquisition first = keys.acquire(key, "POST /orders");
            assertThat(first).isInstanceOf(Acquisition.Acquired.class);
            long token = ((Acquisition.Acquired) first).token();
            assertThat(cluster.command(port, "TYPE", recordKey(key))).isEqualTo("hash");
            assertThat(keys.acquire(key, "POST /orders")).isInstanceOf(Acquisition.InProgress.class);
            assertThat(keys.acquire(key, "POST /other")).isInstanceOf(Acquisition.FingerprintMismatch.class);
            assertThat(keys.extend(key, token)).isTrue();

            assertThat(keys.complete(key, token, "201 created".getBytes(StandardCharsets.UTF_8))).isTrue();

            assertThat(keys.acquire(key, "POST /orders")).isInstanceOfSatisfying(Acquisition.Completed.class,
                    done -> assertThat(new String(done.result(), StandardCharsets.UTF_8)).isEqualTo("201 created"));
            assertThat(cluster.commandLong(port, "PTTL", recordKey(key))).isPositive()
                    .isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());

            String released = idempotencyKeyOn(cluster, port);
            long held = ((Acquisition.Acquired) keys.acquire(released, "fp")).token();
            assertThat(keys.release(released, held)).isTrue();
            assertThat(keys.acquire(released, "fp")).isInstanceOfSatisfying(Acquisition.Acquired.class,
                    again -> assertThat(again.token()).isGreaterThan(held));
            assertThat(cluster.dbSize(port)).isEqualTo(2);
        }
    }

    @Test
    void revocationsRoundTripOnEveryMaster() {
        RedisRevocationList revoked = track(connected(cluster, RedisRevocationList.builder(cluster.uri()).build()));
        for (int port : cluster.ports()) {
            String jti = tokenIdOn(cluster, port);
            assertThat(revoked.isRevoked(withId(jti, null))).isFalse();

            revoked.revoke(withId(jti, Instant.now().plus(Duration.ofMinutes(5))), Duration.ZERO);

            assertThat(revoked.isRevoked(withId(jti, null))).isTrue();
            assertThat(cluster.command(port, "EXISTS", revocationKey(jti))).isEqualTo("1");
        }
        assertThat(cluster.dbSizes().values()).containsOnly(1L);
    }

    @Test
    void everyKindOfRecordKeyIsInTheSlotOfItsHashTag() {
        SessionId id = SessionId.generate();
        List<String> keys = List.of(sessionKey(id), principalKey("alice"), recordKey("k-1"), revocationKey("jti-1"));

        for (String key : keys) {
            String tag = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
            assertThat(cluster.slotOf(key)).as(key).isEqualTo(cluster.slotOf(tag));
            assertThat(portOf(cluster, key)).as(key).isEqualTo(cluster.portOf(key));
        }
    }

    @Test
    void aStoreSeededWithOneNodeFindsTheWholeCluster() {
        int seed = cluster.ports().get(0);
        SessionStore seeded = sessionStore("redis-cluster://127.0.0.1:" + seed);

        for (int port : cluster.ports()) {
            SessionId id = sessionIdOn(cluster, port);
            SessionData onPort = SessionData.newSession(id, Instant.now(), IDLE, ABSOLUTE);
            assertThat(seeded.save(SessionChanges.to(onPort).set("a", encode(port)).build())).isTrue();
            assertThat(decode(seeded.load(id).orElseThrow(), "a")).isEqualTo(port);
            assertThat(cluster.command(port, "EXISTS", sessionKey(id))).isEqualTo("1");
        }
    }

    @Test
    void scriptsAreSentAgainToEachMasterThatDoesNotKnowThem() {
        List<SessionId> ids = new ArrayList<>();
        for (int port : cluster.ports()) {
            ids.add(saveOn(port, null, Map.of("a", "1")));
        }
        for (int port : cluster.ports()) {
            cluster.command(port, "SCRIPT", "FLUSH");
            cluster.command(port, "CONFIG", "RESETSTAT");
        }

        for (SessionId id : ids) {
            SessionData loaded = sessions.load(id).orElseThrow();
            assertThat(sessions.save(SessionChanges.to(loaded).set("a", encode("2")).build())).isTrue();
            assertThat(decode(sessions.load(id).orElseThrow(), "a")).isEqualTo("2");
        }

        for (int port : cluster.ports()) {
            String stats = cluster.command(port, "INFO", "commandstats");
            // loads: HGETALL (no script); the save: EVALSHA, NOSCRIPT, EVAL (which caches the script). A
            // load's waiting touch, when sent alone rather than with the save, is one script more.
            assertThat(stats).as("master on %d", port).contains("cmdstat_hgetall:calls=2,")
                    .containsPattern("cmdstat_eval:calls=[12],").containsPattern("cmdstat_evalsha:calls=[12],");
        }
    }

    // ---- helpers

    private SessionStore sessionStore(String uri) {
        return track(connected(cluster, RedisSessionStore.builder(uri)
                .idleTimeout(IDLE)
                .absoluteTimeout(ABSOLUTE)
                .commandTimeout(Duration.ofSeconds(2))
                .build()));
    }

    private <T extends AutoCloseable> T track(T store) {
        opened.add(store);
        return store;
    }

    /** Saves a new session whose key lives on the master on {@code port}. */
    private SessionId saveOn(int port, String principal, Map<String, ?> attributes) {
        SessionId id = sessionIdOn(cluster, port);
        SessionData session = SessionData.newSession(id, Instant.now(), IDLE, ABSOLUTE);
        SessionChanges.Builder changes = SessionChanges.to(session);
        attributes.forEach((name, value) -> changes.set(name, encode(value)));
        if (principal != null) {
            changes.principal(principal);
        }
        assertThat(sessions.save(changes.build())).isTrue();
        assertThat(portOf(cluster, sessionKey(id))).isEqualTo(port);
        return id;
    }

    private byte[] encode(Object value) {
        return sessions.codec().encode(value);
    }

    private Object decode(SessionData session, String name) {
        return sessions.codec().decode(session.encodedAttribute(name).orElseThrow());
    }
}
