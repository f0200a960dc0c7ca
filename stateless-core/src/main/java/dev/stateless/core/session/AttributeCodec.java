package dev.stateless.core.session;

/**
 * Turns session attribute values into bytes for storage and back. Bytes read from a store are
 * untrusted input: decoding never instantiates a class the codec was not told to allow. A value
 * either round-trips or is refused when encoded, naming its type: nothing is stored that cannot be
 * read back.
 *
 * <p>Implementations are immutable and thread-safe. A changed attribute is detected by comparing
 * bytes: {@link JsonAttributeCodec} encodes deterministically (equal values built the same way give
 * equal bytes); {@link SerializableAttributeCodec} cannot in general (a {@code HashMap}'s order may
 * change after a round trip), which only costs an extra write of an unchanged value, never a lost
 * write.
 *
 * <p>The default is {@link JsonAttributeCodec}: {@code AttributeCodec.json()} for JDK types only,
 * or {@code JsonAttributeCodec.builder().allow(Cart.class).build()} to add your own types. Legacy
 * {@code Serializable} beans with private state use {@link SerializableAttributeCodec}. From text
 * options ({@code web.xml}): {@link AttributeCodecs#fromOptions}.
 */
public interface AttributeCodec {

    /**
     * Encodes a value.
     *
     * @param value the attribute's value
     * @return the encoded bytes
     * @throws AttributeCodecException with reason {@link AttributeCodecException.Reason#UNSUPPORTED_TYPE}
     *     when the value, or anything inside it, is of a type the codec does not allow
     */
    byte[] encode(Object value);

    /**
     * Decodes bytes produced by {@link #encode}.
     *
     * @param bytes what {@link #encode} made, read back from storage (untrusted)
     * @return the value
     * @throws AttributeCodecException with reason {@link AttributeCodecException.Reason#UNDECODABLE}
     *     when the bytes are not a value this codec can read (corrupt data, a type that is not
     *     allowed, a class that changed incompatibly)
     */
    Object decode(byte[] bytes);

    /**
     * Checks, before any value exists, that values declared as {@code type} can be encoded: for
     * callers that know the type up front (an idempotent operation's result) and must refuse before
     * doing any work. Passing is no promise for every value: a subclass, or a collection holding a
     * type that is not allowed, is still refused by {@link #encode}. The default accepts every type.
     *
     * @param type the type an application means to store
     * @throws AttributeCodecException with reason {@link AttributeCodecException.Reason#UNSUPPORTED_TYPE},
     *     naming the type, when no value declared as {@code type} can be encoded
     */
    default void requireEncodable(Class<?> type) {
        java.util.Objects.requireNonNull(type, "type");
    }

    /**
     * The bytes to store for a value this node changed, when the stored bytes hold more than this
     * node can read: during a rolling update a newer version of the application may have written
     * fields this node's classes do not have. {@code asLoaded} is this node's encoding of the value
     * it decoded from {@code stored} (what it knows of it), {@code changed} its encoding of the value
     * now. Returns {@code changed} with what {@code stored} holds beyond {@code asLoaded} put back,
     * where the codec can tell; the result must decode on this node. Never throws: when nothing can
     * be merged, the answer is {@code changed} (what this node does not know is then lost, as before).
     *
     * <p>The default returns {@code changed}: Java serialization streams cannot be merged. The JSON
     * codec merges unknown properties back (see {@link JsonAttributeCodec#merge}).
     *
     * @param stored the bytes in the store, perhaps written by a newer version
     * @param asLoaded this node's encoding of the value it decoded from {@code stored}
     * @param changed this node's encoding of the value now
     * @return the bytes to store
     */
    default byte[] merge(byte[] stored, byte[] asLoaded, byte[] changed) {
        return changed;
    }

    /**
     * A JSON codec that allows JDK basics, collections and {@code java.time} values only.
     *
     * @return a JSON codec that allows the JDK's value types only
     */
    static AttributeCodec json() {
        return JsonAttributeCodec.builder().build();
    }
}
