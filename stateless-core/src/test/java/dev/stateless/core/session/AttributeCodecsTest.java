package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The codec from text options, as web.xml init parameters give them. */
class AttributeCodecsTest {

    private static final ClassLoader LOADER = AttributeCodecsTest.class.getClassLoader();

    public static final class Bean {
        String name = "n";
    }

    private static Map<String, String> options(String... keysAndValues) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            options.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return options;
    }

    @Test
    void jsonIsTheDefaultAndTheCodecOptionsAreConsumedLeavingTheOthers() {
        Map<String, String> options = options("codec-types", Bean.class.getName(), "idle-timeout", "PT5M");
        AttributeCodec codec = AttributeCodecs.fromOptions(options, LOADER);
        assertThat(codec).isInstanceOf(JsonAttributeCodec.class);
        assertThat(options).containsOnlyKeys("idle-timeout");
        assertThat(codec.decode(codec.encode(new Bean()))).isInstanceOf(Bean.class);
    }

    @Test
    void serializableWithTypesSeparatedByCommasAndWhiteSpace() {
        Map<String, String> options = options("codec", "serializable", "codec-types",
                "com.example.**,\n  dev.stateless.core.session.*  org.example.Thing", "codec-max-depth", "30",
                "codec-max-bytes", "100000", "codec-max-array-length", "1000", "codec-max-refs", "5000");
        AttributeCodec codec = AttributeCodecs.fromOptions(options(
                "codec", "serializable", "codec-types", "com.example.**,\n  dev.stateless.core.session.*"), LOADER);
        assertThat(codec).isInstanceOf(SerializableAttributeCodec.class);
        SerializableAttributeCodecTest.DiceGame game = new SerializableAttributeCodecTest.DiceGame("a", 1);
        assertThat(codec.decode(codec.encode(game))).isInstanceOf(SerializableAttributeCodecTest.DiceGame.class);
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options, LOADER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("codec-types: class org.example.Thing not found by the webapp's class loader");
    }

    @Test
    void theDepthLimitAppliesToTheJsonCodecToo() {
        AttributeCodec codec = AttributeCodecs.fromOptions(options("codec-max-depth", "5"), LOADER);
        assertThat(codec.decode(codec.encode(java.util.List.of(java.util.List.of(1))))).isNotNull();
        assertThatThrownBy(() -> codec.encode(java.util.List.of(java.util.List.of(java.util.List.of(java.util.List.of(1))))))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining("nested deeper");
    }

    @Test
    void errorsNameTheOption() {
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec", "xml"), LOADER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("codec must be json or serializable");
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec-types", "com.example.Missing"), LOADER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("codec-types: class com.example.Missing not found by the webapp's class loader");
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec-types", "com..x"), LOADER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("codec-types: ");
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec-types", "java.**"), LOADER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("codec-types: ");
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec-max-depth", "deep"), LOADER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("codec-max-depth");
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec-max-bytes", "10"), LOADER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("codec-max-bytes")
                .hasMessageContaining("serializable");
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec", "serializable", "codec-types",
                JsonTypesTest.Plain.class.getName()), LOADER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("codec-types: " + JsonTypesTest.Plain.class.getName() + " is not Serializable");
    }

    @Test
    void aJsonTypeThatWouldLoseStateIsRefusedAtStartupNamingTheField() {
        assertThatThrownBy(() -> AttributeCodecs.fromOptions(options("codec-types",
                JsonTypesTest.WithRandom.class.getName()), LOADER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("codec-types: ")
                .hasMessageContaining("'random'")
                .hasMessageContaining("SerializableAttributeCodec");
    }

    @Test
    void everyStoreTakesTheCodecOptions() {
        try (SessionStore store = SessionStores.create("memory:", options("codec", "serializable",
                "codec-types", "dev.stateless.core.session.*", "idle-timeout", "1800"), LOADER)) {
            assertThat(store.codec()).isInstanceOf(SerializableAttributeCodec.class);
        }
        try (SessionStore store = SessionStores.create("memory:", options("codec-types", Bean.class.getName()))) {
            assertThat(store.codec().decode(store.codec().encode(new Bean()))).isInstanceOf(Bean.class);
        }
        assertThatThrownBy(() -> SessionStores.create("memory:", options("codec", "serializable", "codek", "x"), LOADER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("codek");
    }
}
