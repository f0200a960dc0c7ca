package dev.stateless.core.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * The three-way merge behind {@link JsonAttributeCodec#merge}: what {@code stored} holds beyond
 * {@code asLoaded} (this node's view of it) is carried into {@code changed} (this node's new value).
 */
final class JsonMerge {

    private static final String TYPE_PROPERTY = "@t";

    private JsonMerge() {
    }

    static JsonNode merge(JsonNode stored, JsonNode asLoaded, JsonNode changed) {
        if (asLoaded.equals(changed)) {
            return stored; // this node did not change this part: it stays as it was stored, all of it
        }
        if (stored.isObject() && asLoaded.isObject() && changed.isObject()) {
            if (!Objects.equals(stored.get(TYPE_PROPERTY), changed.get(TYPE_PROPERTY))) {
                return changed; // another type now: nothing of the old one belongs to it
            }
            ObjectNode out = ((ObjectNode) changed).deepCopy();
            for (Iterator<Map.Entry<String, JsonNode>> fields = stored.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode known = asLoaded.get(field.getKey());
                JsonNode now = out.get(field.getKey());
                if (known == null && now == null) {
                    out.set(field.getKey(), field.getValue()); // unknown to this node: kept
                } else if (known != null && now != null) {
                    out.set(field.getKey(), merge(field.getValue(), known, now));
                }
                // known but gone now: this node removed it
            }
            return out;
        }
        if (stored.isArray() && asLoaded.isArray() && changed.isArray() && stored.size() == asLoaded.size()) {
            ArrayNode out = ((ArrayNode) changed).deepCopy();
            if (asLoaded.size() == changed.size()) {
                for (int i = 0; i < out.size(); i++) {
                    out.set(i, merge(stored.get(i), asLoaded.get(i), changed.get(i)));
                }
                return out;
            }
            // Elements added or removed: an element this node kept as it loaded it comes back whole.
            boolean[] used = new boolean[asLoaded.size()];
            for (int i = 0; i < out.size(); i++) {
                for (int j = 0; j < asLoaded.size(); j++) {
                    if (!used[j] && asLoaded.get(j).equals(changed.get(i))) {
                        used[j] = true;
                        out.set(i, stored.get(j));
                        break;
                    }
                }
            }
            return out;
        }
        return changed;
    }
}
