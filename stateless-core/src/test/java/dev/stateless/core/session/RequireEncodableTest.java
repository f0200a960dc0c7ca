package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a codec says about a type before any value of it exists (for idempotent results). */
class RequireEncodableTest {

    record Receipt(String id, long cents) {
    }

    static final class Ticket implements Serializable {
        private static final long serialVersionUID = 1L;
        String id;
    }

    @Test
    void jsonAcceptsJdkTypesAllowedClassesAndTypesSomethingAllowedImplements() {
        AttributeCodec codec = JsonAttributeCodec.builder().allow(Receipt.class).build();

        for (Class<?> type : List.of(String.class, Long.class, long.class, Object.class, List.class, Map.class,
                Number.class, Receipt.class, Record.class)) {
            assertThatCode(() -> codec.requireEncodable(type)).as(type.getName()).doesNotThrowAnyException();
        }
    }

    @Test
    void jsonRefusesAClassItDoesNotAllowNamingIt() {
        assertThatThrownBy(() -> AttributeCodec.json().requireEncodable(Receipt.class))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining(Receipt.class.getName());
        assertThatThrownBy(() -> AttributeCodec.json().requireEncodable(Runnable.class))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining(Runnable.class.getName());
    }

    @Test
    void serializationRefusesAClassThatIsNotSerializableOrNotAllowed() {
        SerializableAttributeCodec codec = SerializableAttributeCodec.builder().allow(Ticket.class).build();

        assertThatCode(() -> codec.requireEncodable(Ticket.class)).doesNotThrowAnyException();
        assertThatCode(() -> codec.requireEncodable(String.class)).doesNotThrowAnyException();
        assertThatThrownBy(() -> codec.requireEncodable(Thread.class))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining("java.lang.Thread");
        assertThatThrownBy(() -> SerializableAttributeCodec.builder().build().requireEncodable(Ticket.class))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining(Ticket.class.getName());
    }
}
