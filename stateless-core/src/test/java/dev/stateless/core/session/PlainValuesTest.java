package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The copy a session keeps of a plain value when it is read, and the comparison at save time that
 * replaces encoding it again: every in-place change an encoding would see must show, and a value
 * that is not plain must not be copied (the session then encodes it again).
 */
class PlainValuesTest {

    /** An application's own class: never plain, whatever it holds. */
    static final class Bean {
        final List<String> items = new ArrayList<>();
    }

    /** A cart and a history as the benchmark's session holds them, nested one level more. */
    private static Map<String, Object> session() {
        Map<String, Object> value = new LinkedHashMap<>();
        Map<String, Integer> cart = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            cart.put("sku-" + i, i);
        }
        value.put("cart", cart);
        value.put("recent", new ArrayList<>(List.of("/a", "/b", "/c")));
        value.put("tags", new TreeSet<>(List.of("x", "y")));
        value.put("price", new BigDecimal("1.50"));
        value.put("nothing", null);
        return value;
    }

    @Test
    void anUntouchedValueIsTheSameAsItsCopy() {
        Map<String, Object> value = session();
        Object copy = PlainValues.copy(value);
        assertThat(copy).isNotNull().isNotSameAs(value).isEqualTo(value);
        assertThat(PlainValues.same(value, copy)).isTrue();
        // deep: no collection is shared with the copy
        @SuppressWarnings("unchecked")
        Map<String, Object> copied = (Map<String, Object>) copy;
        assertThat(copied.get("cart")).isNotSameAs(value.get("cart"));
        assertThat(copied.get("recent")).isNotSameAs(value.get("recent"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyInPlaceChangeShows() {
        List<Consumer<Map<String, Object>>> changes = List.of(
                v -> ((Map<String, Integer>) v.get("cart")).put("sku-1", 99),
                v -> ((Map<String, Integer>) v.get("cart")).put("sku-new", 1),
                v -> ((Map<String, Integer>) v.get("cart")).remove("sku-3"),
                v -> ((List<String>) v.get("recent")).add("/d"),
                v -> ((List<String>) v.get("recent")).set(0, "/z"),
                v -> ((List<String>) v.get("recent")).remove(2),
                v -> ((TreeSet<String>) v.get("tags")).add("z"),
                v -> v.put("price", new BigDecimal("1.5")), // equal by compareTo, another scale: another encoding
                v -> v.put("nothing", "something"),
                v -> v.put("recent", new LinkedList<>((List<String>) v.get("recent"))), // same elements, another class
                v -> v.remove("tags"),
                v -> v.put("extra", 1));
        for (int i = 0; i < changes.size(); i++) {
            Map<String, Object> value = session();
            Object copy = PlainValues.copy(value);
            changes.get(i).accept(value);
            assertThat(PlainValues.same(value, copy)).as("change %d", i).isFalse();
        }
    }

    @Test
    void theOrderOfAnOrderedCollectionCounts() {
        LinkedHashMap<String, Integer> recentFirst = new LinkedHashMap<>(Map.of("a", 1));
        recentFirst.put("b", 2);
        Object copy = PlainValues.copy(recentFirst);
        recentFirst.remove("a");
        recentFirst.put("a", 1); // the same entries, moved to the end: an LRU touch
        assertThat(recentFirst).isEqualTo(copy); // equals does not see it
        assertThat(PlainValues.same(recentFirst, copy)).isFalse();

        LinkedHashSet<String> set = new LinkedHashSet<>(List.of("a", "b"));
        Object setCopy = PlainValues.copy(set);
        set.remove("a");
        set.add("a");
        assertThat(PlainValues.same(set, setCopy)).isFalse();

        ArrayList<String> list = new ArrayList<>(List.of("a", "b"));
        Object listCopy = PlainValues.copy(list);
        java.util.Collections.reverse(list);
        assertThat(PlainValues.same(list, listCopy)).isFalse();
    }

    @Test
    void aHashMapsOrderIsNotTheApplicationsAndDoesNotCount() {
        HashMap<String, Integer> map = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            map.put("k" + i, i);
        }
        Object copy = PlainValues.copy(map);
        for (int i = 2; i < 100; i++) {
            map.remove("k" + i); // the table keeps its size: another iteration order than the copy's
        }
        for (int i = 2; i < 100; i++) {
            map.put("k" + i, i);
        }
        assertThat(PlainValues.same(map, copy)).isTrue();
        map.put("k50", -1);
        assertThat(PlainValues.same(map, copy)).isFalse();
        HashSet<Integer> set = new HashSet<>(List.of(1, 2, 3));
        Object setCopy = PlainValues.copy(set);
        assertThat(PlainValues.same(set, setCopy)).isTrue();
        set.add(4);
        assertThat(PlainValues.same(set, setCopy)).isFalse();
    }

    @Test
    void aMutableValuePutInSinceTheCopyIsAChange() {
        List<Object> list = new ArrayList<>(List.of("a"));
        Object copy = PlainValues.copy(list);
        list.set(0, new Date(0)); // not plain: never the same as a plain copy
        assertThat(PlainValues.same(list, copy)).isFalse();

        Map<Object, Object> map = new HashMap<>(Map.of("a", 1));
        Object mapCopy = PlainValues.copy(map);
        map.remove("a");
        map.put(new ArrayList<>(List.of("a")), 1); // a mutable key
        assertThat(PlainValues.same(map, mapCopy)).isFalse();
    }

    @Test
    void whatIsNotPlainIsNotCopied() {
        List<Supplier<Object>> notPlain = List.of(
                () -> new Date(),
                () -> new Bean(),
                () -> new ArrayList<>(List.of(new Date())),
                () -> new HashMap<>(Map.of("k", new Bean())),
                () -> new HashMap<>(Map.of(List.of("mutable key?"), 1)),
                () -> new TreeMap<String, Integer>(Comparator.reverseOrder()),
                () -> new TreeSet<String>(Comparator.reverseOrder()),
                () -> new String[] {"an", "array"},
                () -> List.of("an immutable list, whose elements could still be mutable"),
                () -> new ArrayList<String>() { }); // a subclass
        for (int i = 0; i < notPlain.size(); i++) {
            assertThat(PlainValues.copy(notPlain.get(i).get())).as("value %d", i).isNull();
        }
    }

    @Test
    void theIdentityTestNamesTheSameTypesAsTheSet() {
        for (Class<?> type : PlainValues.IMMUTABLE) {
            assertThat(PlainValues.isImmutable(type)).as("%s", type).isTrue();
        }
        for (Class<?> type : List.of(Object.class, Date.class, ArrayList.class, HashMap.class, Number.class,
                java.time.ZonedDateTime.class, StringBuilder.class)) {
            assertThat(PlainValues.isImmutable(type)).as("%s", type).isFalse();
        }
        assertThat(PlainValues.immutable(null)).isFalse();
    }

    @Test
    void aCycleOrATreeTooDeepIsNotPlain() {
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThat(PlainValues.copy(cycle)).isNull();

        List<Object> deep = new ArrayList<>();
        List<Object> level = deep;
        for (int i = 0; i < 100; i++) {
            List<Object> next = new ArrayList<>();
            level.add(next);
            level = next;
        }
        assertThat(PlainValues.copy(deep)).isNull();

        List<Object> shallow = new ArrayList<>();
        level = shallow;
        for (int i = 0; i < 10; i++) {
            List<Object> next = new ArrayList<>();
            level.add(next);
            level = next;
        }
        Object copy = PlainValues.copy(shallow);
        assertThat(copy).isNotNull();
        assertThat(PlainValues.same(shallow, copy)).isTrue();
        level.add("deep change");
        assertThat(PlainValues.same(shallow, copy)).isFalse();
    }
}
