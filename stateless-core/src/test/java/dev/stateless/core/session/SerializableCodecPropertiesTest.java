package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of {@link SerializableAttributeCodec}: beans round-trip with their private state, and
 * bytes that are not what it wrote (mutated encodings, random bytes) are refused with
 * {@link AttributeCodecException} only, never another exception, an out-of-memory error or a hang.
 */
class SerializableCodecPropertiesTest {

    public static final class Account implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String owner;
        private final Random random;
        private final Map<String, Object> extra = new HashMap<>();
        private final List<BigDecimal> movements = new ArrayList<>();
        private Instant opened;

        Account(String owner, long seed) {
            this.owner = owner;
            this.random = new Random(seed);
        }
    }

    private static final SerializableAttributeCodec CODEC = SerializableAttributeCodec.builder()
            .allow(Account.class)
            .build();

    @Provide
    Arbitrary<Account> accounts() {
        return Combinators.combine(Arbitraries.strings().ofMaxLength(20), Arbitraries.longs(),
                Arbitraries.bigDecimals().ofScale(2).list().ofMaxSize(20),
                Arbitraries.maps(Arbitraries.strings().ofMaxLength(5), Arbitraries.oneOf(
                        Arbitraries.integers().map(Object.class::cast), Arbitraries.strings().map(Object.class::cast),
                        Arbitraries.longs().map(Object.class::cast), Arbitraries.integers().list().map(TreeSet::new)))
                        .ofMaxSize(5))
                .as((owner, seed, movements, extra) -> {
                    Account account = new Account(owner, seed);
                    account.movements.addAll(movements);
                    account.extra.putAll(extra);
                    account.opened = Instant.ofEpochSecond(Math.floorMod(seed, 4_000_000_000L));
                    return account;
                });
    }

    @Property(tries = 200)
    void beansRoundTripWithTheirPrivateState(@ForAll("accounts") Account account) {
        Account back = (Account) CODEC.decode(CODEC.encode(account));
        assertThat(back.owner).isEqualTo(account.owner);
        assertThat(back.movements).isEqualTo(account.movements);
        assertThat(back.extra).isEqualTo(account.extra);
        assertThat(back.opened).isEqualTo(account.opened);
        assertThat(back.random.nextLong()).isEqualTo(account.random.nextLong());
    }

    @Property(tries = 1500)
    void mutatedEncodingsAreDecodedOrRefusedWithACodecExceptionOnly(@ForAll("accounts") Account account,
            @ForAll("mutations") CodecPropertiesTest.Mutation mutation) {
        assertDecodesSafely(mutation.apply(CODEC.encode(account)));
    }

    @Property(tries = 500)
    void randomBytesAfterAValidHeaderAreRefusedWithACodecExceptionOnly(@ForAll byte[] tail) {
        byte[] bytes = new byte[tail.length + 4];
        bytes[0] = (byte) 0xac;
        bytes[1] = (byte) 0xed;
        bytes[3] = 5;
        System.arraycopy(tail, 0, bytes, 4, tail.length);
        assertDecodesSafely(bytes);
    }

    @Provide
    Arbitrary<CodecPropertiesTest.Mutation> mutations() {
        return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers(),
                Arbitraries.integers().between(1, 8),
                Arbitraries.oneOf(Arbitraries.bytes(), Arbitraries.of((byte) 0x7f, (byte) 0xff, (byte) 0, (byte) 0x70,
                        (byte) 0x71, (byte) 0x73, (byte) 0x75, (byte) 0x7e)))
                .as(CodecPropertiesTest.Mutation::new);
    }

    private static void assertDecodesSafely(byte[] bytes) {
        try {
            CODEC.decode(bytes);
        } catch (AttributeCodecException e) {
            assertThat(e.reason()).isEqualTo(AttributeCodecException.Reason.UNDECODABLE);
        } catch (Throwable other) {
            fail("decode threw " + other + " instead of AttributeCodecException", other);
        }
    }
}
