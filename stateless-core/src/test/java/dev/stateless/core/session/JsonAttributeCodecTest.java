package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JsonAttributeCodecTest {

    public record Address(String street, int number) {}

    public record Customer(String name, Address address, List<String> tags, Map<String, Object> extra) {}

    public enum Tier { GOLD, SILVER }

    /** A legacy mutable class: fields, a private no-arg constructor, no setters. */
    public static class LegacyCart {
        private final Map<String, Integer> items = new HashMap<>();
        private Long total = 0L;
        private transient String cachedView = "not stored";

        public void add(String sku, int quantity, long price) {
            items.merge(sku, quantity, Integer::sum);
            total += price * quantity;
        }

        public Map<String, Integer> items() {
            return items;
        }

        public Long total() {
            return total;
        }

        public String cachedView() {
            return cachedView;
        }
    }

    public static class Unregistered {
        public String value = "x";
    }

    private final JsonAttributeCodec codec = JsonAttributeCodec.builder()
            .allow(Customer.class, Address.class, LegacyCart.class, Tier.class)
            .build();

    private Object roundTrip(Object value) {
        return codec.decode(codec.encode(value));
    }

    @Test
    void jdkScalarsKeepTheirExactType() {
        assertThat(roundTrip("text")).isEqualTo("text");
        assertThat(roundTrip(42)).isEqualTo(42);
        assertThat(roundTrip(42L)).isInstanceOf(Long.class).isEqualTo(42L);
        assertThat(roundTrip(1.5d)).isEqualTo(1.5d);
        assertThat(roundTrip(1.5f)).isInstanceOf(Float.class).isEqualTo(1.5f);
        assertThat(roundTrip(true)).isEqualTo(true);
        assertThat(roundTrip((short) 7)).isInstanceOf(Short.class);
        assertThat(roundTrip('c')).isEqualTo('c');
        assertThat(roundTrip(new BigDecimal("12.3400"))).isEqualTo(new BigDecimal("12.3400"));
        UUID uuid = UUID.randomUUID();
        assertThat(roundTrip(uuid)).isEqualTo(uuid);
        Instant now = Instant.parse("2026-11-26T12:00:00.123456789Z");
        assertThat(roundTrip(now)).isEqualTo(now);
        assertThat(roundTrip(LocalDate.of(2026, 11, 26))).isEqualTo(LocalDate.of(2026, 11, 26));
        assertThat(roundTrip(new byte[] {1, 2, 3})).isEqualTo(new byte[] {1, 2, 3});
        assertThat(roundTrip(new String[] {"a", "b"})).isEqualTo(new String[] {"a", "b"});
    }

    @Test
    void collectionsKeepElementTypesAndComeBackMutable() {
        Map<String, Object> map = new HashMap<>();
        map.put("count", 3L);
        map.put("name", "n");
        map.put("nested", List.of(1L, 2L));
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) roundTrip(map);
        assertThat(back).isInstanceOf(HashMap.class).isEqualTo(map);
        assertThat(back.get("count")).isInstanceOf(Long.class);
        assertThat(back.get("nested")).isInstanceOf(ArrayList.class).isEqualTo(List.of(1L, 2L));

        Object set = roundTrip(Set.of("x"));
        assertThat(set).isInstanceOf(Set.class).isEqualTo(Set.of("x"));
        assertThat(roundTrip(new TreeMap<>(Map.of("b", 2, "a", 1)))).isInstanceOf(TreeMap.class);
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) roundTrip(List.of("a", "b"));
        list.add("c");
        assertThat(list).containsExactly("a", "b", "c");
    }

    @Test
    void registeredRecordsEnumsAndLegacyClassesRoundTrip() {
        Customer customer = new Customer("Ada", new Address("Main", 1), List.of("vip"), Map.of("since", 2020L));
        assertThat(roundTrip(customer)).isEqualTo(customer);
        assertThat(roundTrip(Tier.GOLD)).isEqualTo(Tier.GOLD);

        LegacyCart cart = new LegacyCart();
        cart.add("sku-1", 2, 150);
        LegacyCart back = (LegacyCart) roundTrip(cart);
        assertThat(back.items()).isEqualTo(Map.of("sku-1", 2));
        assertThat(back.total()).isEqualTo(300L);
        assertThat(new String(codec.encode(cart), StandardCharsets.UTF_8))
                .as("transient fields are not stored").doesNotContain("cachedView");
    }

    @Test
    void encodingIsStableSoUnchangedValuesAreNotRewritten() {
        LegacyCart cart = new LegacyCart();
        for (int i = 0; i < 50; i++) {
            cart.add("sku-" + i, i, 10);
        }
        byte[] first = codec.encode(cart);
        byte[] again = codec.encode(codec.decode(first));
        assertThat(again).isEqualTo(first);
    }

    @Test
    void unregisteredTypesAreRefusedWhenEncoding() {
        assertThatThrownBy(() -> codec.encode(new Unregistered()))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(Unregistered.class.getName())
                .extracting(e -> ((AttributeCodecException) e).reason())
                .isEqualTo(AttributeCodecException.Reason.UNSUPPORTED_TYPE);
        Map<String, Object> hidden = new LinkedHashMap<>();
        hidden.put("inner", new Unregistered());
        assertThatThrownBy(() -> codec.encode(hidden))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(Unregistered.class.getName());
    }

    @Test
    void storedTypeNamesOffTheAllowListAreNeverInstantiated() {
        String gadget = "[\"com.sun.rowset.JdbcRowSetImpl\",{\"dataSourceName\":\"ldap://example/x\"}]";
        assertThatThrownBy(() -> codec.decode(gadget.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AttributeCodecException.class)
                .extracting(e -> ((AttributeCodecException) e).reason())
                .isEqualTo(AttributeCodecException.Reason.UNDECODABLE);
        String asProperty = "{\"@t\":\"java.lang.ProcessBuilder\",\"command\":[\"L\",[\"sh\"]]}";
        assertThatThrownBy(() -> codec.decode(asProperty.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AttributeCodecException.class);
        // A registered type in a place that does not fit it is refused too.
        String misplaced = "{\"@t\":\"" + Customer.class.getName() + "\",\"name\":\"x\",\"tags\":"
                + "{\"@t\":\"" + LegacyCart.class.getName() + "\"}}";
        assertThatThrownBy(() -> codec.decode(misplaced.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AttributeCodecException.class);
    }

    @Test
    void corruptOrHostileBytesAreATypedError() {
        for (String bad : List.of("", "{", "[\"J\"", "[\"J\",1] trailing", "\u0000\u0001", "[\"Nope\",1]",
                "[".repeat(10_000))) {
            assertThatThrownBy(() -> codec.decode(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad.length() > 20 ? bad.substring(0, 20) : bad)
                    .isInstanceOf(AttributeCodecException.class);
        }
    }

    @Test
    void builderValidatesEagerly() {
        assertThatThrownBy(() -> JsonAttributeCodec.builder().allow(List.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allow");
        assertThatThrownBy(() -> JsonAttributeCodec.builder().allow("J", Address.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> JsonAttributeCodec.builder().maxNestingDepth(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxNestingDepth");
    }
}
