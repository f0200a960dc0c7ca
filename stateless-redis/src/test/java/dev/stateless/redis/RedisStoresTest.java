package dev.stateless.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Acquisition;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.VerifiedToken;
import dev.stateless.testing.RedisExtension;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One {@link RedisStores}: one connection, one prefix, one timeout for the three stores it hands out. */
class RedisStoresTest {

    @RegisterExtension
    static final RedisExtension redis = new RedisExtension();

    @BeforeEach
    void emptyRedis() {
        redis.server().flushAll();
    }

    @Test
    void theThreeStoresShareOneConnectionAndOnePrefix() throws InterruptedException {
        long before = clients();
        try (RedisStores stores = RedisStores.builder(redis.uri()).keyPrefix("app1:").build()) {
            SessionStore sessions = stores.sessionStore().build();
            IdempotencyKeyStore keys = stores.idempotencyKeyStore().build();
            RevocationList revoked = stores.revocationList().build();

            useAll(sessions, keys, revoked);

            assertThat(clients() - before).isEqualTo(1);
            List<String> written = redis.server().commandList("KEYS", "*");
            assertThat(written).hasSize(3).allSatisfy(key -> assertThat(key).startsWith("app1:"));
            assertThat(written).anySatisfy(key -> assertThat(key).startsWith("app1:s:{"))
                    .anySatisfy(key -> assertThat(key).startsWith("app1:i:{"))
                    .anySatisfy(key -> assertThat(key).startsWith("app1:r:{"));
        }
        awaitClients(before);
    }

    @Test
    void eachStoreBuiltAloneHasAConnectionOfItsOwn() throws InterruptedException {
        long before = clients();
        try (SessionStore sessions = RedisSessionStore.builder(redis.uri()).build();
                IdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder(redis.uri()).build();
                RevocationList revoked = RedisRevocationList.builder(redis.uri()).build()) {
            useAll(sessions, keys, revoked);

            assertThat(clients() - before).isEqualTo(3);
        }
        awaitClients(before);
    }

    @Test
    void closingAStoreLeavesTheSharedConnectionToTheOthers() {
        try (RedisStores stores = RedisStores.builder(redis.uri()).build()) {
            SessionStore sessions = stores.sessionStore().build();
            RevocationList revoked = stores.revocationList().build();
            SessionData session = sessions.newSession();
            sessions.save(SessionChanges.to(session).set("cart", bytes("sku-1")).build());

            revoked.close();

            assertThat(sessions.load(session.id())).isPresent();
        }
    }

    @Test
    void afterCloseEveryStoreFailsAsUnavailable() {
        RedisStores stores = RedisStores.builder(redis.uri()).build();
        SessionStore sessions = stores.sessionStore().build();
        RevocationList revoked = stores.revocationList().build();
        assertThat(revoked.isRevoked(token())).isFalse();

        stores.close();
        stores.close(); // idempotent

        assertThatThrownBy(() -> sessions.load(sessions.newSession().id()))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> revoked.isRevoked(token()))
                .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void theCommandTimeoutIsEveryStores() throws Exception {
        try (RedisStores stores = RedisStores.builder(redis.uri()).commandTimeout(Duration.ofMillis(300)).build()) {
            IdempotencyKeyStore keys = stores.idempotencyKeyStore().build();
            RevocationList revoked = stores.revocationList().build();
            assertThat(revoked.isRevoked(token())).isFalse(); // connected

            redis.server().command("CLIENT", "PAUSE", "2000", "ALL");
            try {
                assertThatThrownBy(() -> keys.acquire("k", "f")).isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("PT0.3S");
                assertThatThrownBy(() -> revoked.isRevoked(token())).isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("PT0.3S");
            } finally {
                redis.server().command("CLIENT", "UNPAUSE");
            }
            assertThat(stores.commandTimeout()).isEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void theUsersClientResourcesAreUsedAndNeverShutDown() {
        ClientResources mine = DefaultClientResources.create();
        try {
            try (RedisStores stores = RedisStores.builder(redis.uri()).clientResources(mine).build()) {
                SessionStore sessions = stores.sessionStore().build();
                sessions.save(SessionChanges.to(sessions.newSession()).set("a", bytes("1")).build());
            }
            assertThat(mine.eventExecutorGroup().isShuttingDown()).isFalse();

            // still good for the next client
            try (RedisStores again = RedisStores.builder(redis.uri()).clientResources(mine).build()) {
                assertThat(again.revocationList().build().isRevoked(token())).isFalse();
            }
        } finally {
            mine.shutdown();
        }
    }

    @Test
    void aSharedStoreTakesTheConnectionOptionsFromRedisStoresOnly() {
        try (RedisStores stores = RedisStores.builder(redis.uri()).build()) {
            assertThatThrownBy(() -> stores.sessionStore().keyPrefix("other:"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("keyPrefix");
            assertThatThrownBy(() -> stores.idempotencyKeyStore().commandTimeout(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("commandTimeout");
            assertThatThrownBy(() -> stores.revocationList().keyPrefix("other:"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("keyPrefix");
        }
    }

    @Test
    void badOptionsFailWhereTheyAreSetNamingTheOption() {
        assertThatThrownBy(() -> RedisStores.builder("http://localhost")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uri");
        assertThatThrownBy(() -> RedisStores.builder(redis.uri()).keyPrefix("a{b}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> RedisStores.builder(redis.uri()).commandTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandTimeout");
    }

    record Cart(List<String> skus) {
    }

    @Test
    void theReadmeExampleRuns() {
        ClientResources lettuceResources = DefaultClientResources.create();
        // stateless-redis/README.md, "One connection for all stores" (the URI is the test server's)
        RedisStores redis = RedisStores.builder(RedisStoresTest.redis.uri())
                .commandTimeout(Duration.ofSeconds(2))
                .keyPrefix("shop:")
                .clientResources(lettuceResources) // optional: your own Lettuce ClientResources
                .build();
        SessionStore sessions = redis.sessionStore().codec(JsonAttributeCodec.builder().allow(Cart.class).build()).build();
        IdempotencyKeyStore keys = redis.idempotencyKeyStore().lease(Duration.ofSeconds(30)).build();
        RevocationList revoked = redis.revocationList().build();

        SessionData session = sessions.newSession();
        sessions.save(SessionChanges.to(session).set("cart", sessions.codec().encode(new Cart(List.of("sku-1")))).build());
        assertThat(sessions.codec().decode(sessions.load(session.id()).orElseThrow().encodedAttribute("cart").orElseThrow()))
                .isEqualTo(new Cart(List.of("sku-1")));
        assertThat(keys.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(revoked.isRevoked(token())).isFalse();
        assertThat(RedisStoresTest.redis.server().commandList("KEYS", "*")).singleElement().asString().startsWith("shop:s:{");

        // on shutdown
        redis.close();
        lettuceResources.shutdown();
    }

    private static void useAll(SessionStore sessions, IdempotencyKeyStore keys, RevocationList revoked) {
        assertThat(sessions.save(SessionChanges.to(sessions.newSession()).set("cart", bytes("sku-1")).build())).isTrue();
        assertThat(keys.acquire("key-1", "fingerprint")).isInstanceOf(Acquisition.Acquired.class);
        revoked.revoke(token(), Duration.ZERO);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static VerifiedToken token() {
        return new VerifiedToken("alice", Optional.of("https://auth.example"), Optional.of(UUID.randomUUID().toString()),
                Optional.of(Instant.now().plus(Duration.ofMinutes(5))), Set.of(), Map.of());
    }

    /** Clients connected to the server, not counting the fixture's own probe. */
    private static long clients() {
        return redis.server().command("CLIENT", "LIST").lines().filter(line -> !line.contains("cmd=client")).count();
    }

    /** The server sees a closed connection go a moment after the client closed it. */
    private static void awaitClients(long expected) throws InterruptedException {
        for (int i = 0; i < 100 && clients() != expected; i++) {
            Thread.sleep(50);
        }
        assertThat(clients()).isEqualTo(expected);
    }
}
