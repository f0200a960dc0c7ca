package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonAttributeCodec#merge}: what another version of the application stored beyond what this
 * node's classes know survives this node's change (issue 12, mixed versions). The "other version"
 * is written as the JSON it would store: these classes plus fields they lack.
 */
class JsonAttributeCodecMergeTest {

    public static class Line {
        String sku;
        int qty;

        public Line() {
        }

        Line(String sku, int qty) {
            this.sku = sku;
            this.qty = qty;
        }
    }

    public static class Order {
        List<Line> lines = new ArrayList<>();
        Map<String, String> tags = new LinkedHashMap<>();
        String note;
    }

    private final JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(Order.class, Line.class).build();
    private static final String ORDER = Order.class.getName();
    private static final String LINE = Line.class.getName();

    /** What this node stores after changing the value {@code stored} decodes to. */
    private String changeAndMerge(String stored, java.util.function.Consumer<Order> change) {
        byte[] storedBytes = stored.getBytes(StandardCharsets.UTF_8);
        Order order = (Order) codec.decode(storedBytes);
        byte[] asLoaded = codec.encode(order);
        change.accept(order);
        return new String(codec.merge(storedBytes, asLoaded, codec.encode(order)), StandardCharsets.UTF_8);
    }

    @Test
    void aPropertyOnlyTheOtherVersionKnowsIsKeptWhenThisNodeChangesAnother() {
        String stored = "{\"@t\":\"" + ORDER + "\",\"lines\":[\"L\",[]],\"tags\":[\"M\",{}],\"note\":null,\"coupon\":\"SAVE10\"}";

        String merged = changeAndMerge(stored, order -> order.note = "gift");

        assertThat(merged).contains("\"note\":\"gift\"").contains("\"coupon\":\"SAVE10\"");
        assertThat(((Order) codec.decode(merged.getBytes(StandardCharsets.UTF_8))).note).isEqualTo("gift");
    }

    @Test
    void unknownPropertiesInsideListElementsSurviveElementsAddedAndChanged() {
        String stored = "{\"@t\":\"" + ORDER + "\",\"lines\":[\"L\",[{\"@t\":\"" + LINE + "\",\"sku\":\"a\",\"qty\":1,\"gift\":true},"
                + "{\"@t\":\"" + LINE + "\",\"sku\":\"b\",\"qty\":1,\"gift\":false}]],\"tags\":[\"M\",{}],\"note\":null}";

        String added = changeAndMerge(stored, order -> order.lines.add(0, new Line("c", 1)));
        assertThat(added).contains("\"sku\":\"a\",\"qty\":1,\"gift\":true").contains("\"sku\":\"b\",\"qty\":1,\"gift\":false")
                .contains("\"sku\":\"c\",\"qty\":1}");

        String changed = changeAndMerge(stored, order -> order.lines.get(0).qty = 5);
        assertThat(changed).contains("\"sku\":\"a\",\"qty\":5,\"gift\":true").contains("\"sku\":\"b\",\"qty\":1,\"gift\":false");
    }

    @Test
    void whatThisNodeRemovedStaysRemoved() {
        String stored = "{\"@t\":\"" + ORDER + "\",\"lines\":[\"L\",[]],\"tags\":[\"M\",{\"a\":\"1\",\"b\":\"2\"}],"
                + "\"note\":null,\"coupon\":\"SAVE10\"}";

        String merged = changeAndMerge(stored, order -> order.tags.remove("a"));

        assertThat(merged).doesNotContain("\"a\":\"1\"").contains("\"b\":\"2\"").contains("\"coupon\":\"SAVE10\"");
    }

    @Test
    void nothingIsMergedIntoAValueOfAnotherTypeOrFromBytesThatAreNotJson() {
        byte[] stored = ("{\"@t\":\"" + LINE + "\",\"sku\":\"a\",\"qty\":1,\"gift\":true}").getBytes(StandardCharsets.UTF_8);
        byte[] asLoaded = codec.encode(codec.decode(stored));
        byte[] other = codec.encode(new Order());
        assertThat(codec.merge(stored, asLoaded, other)).isEqualTo(other);

        byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
        assertThat(codec.merge(garbage, asLoaded, other)).isEqualTo(other);
    }

    @Test
    void theSerializableCodecCannotMergeAndSaysSoByReturningTheNewValue() {
        SerializableAttributeCodec serializable = SerializableAttributeCodec.builder().build();
        byte[] stored = serializable.encode("old");
        byte[] changed = serializable.encode("new");
        assertThat(serializable.merge(stored, stored, changed)).isEqualTo(changed);
    }
}
