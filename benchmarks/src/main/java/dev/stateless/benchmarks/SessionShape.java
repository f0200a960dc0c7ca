package dev.stateless.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The session shapes measured for bytes in Redis and Redis CPU per operation. */
enum SessionShape {

    /** Section 1's session: 10 attributes of about 1.6 KB in all, none over 1 KB. */
    STANDARD("section 1's session: 10 attributes, 1.6 KB encoded, none over 1 KB"),

    /**
     * Section 1's session plus three values over 1 KB of the kinds applications keep: a form draft
     * (a map of field names to text), a search history (a list of queries) and an opaque token
     * (random base64url, which does not compress).
     */
    LARGE("section 1's session plus 3 values over 1 KB: a form draft (`Map<String,String>`), a search history "
            + "(`List<String>`), an opaque 1.4 KB base64url token");

    final String description;

    SessionShape(String description) {
        this.description = description;
    }

    Map<String, Object> values(int client) {
        Map<String, Object> values = SessionAttributes.values(client);
        if (this == LARGE) {
            Map<String, String> draft = new LinkedHashMap<>();
            for (int i = 0; i < 16; i++) {
                draft.put("field" + i, "customer entered value number " + i + " for order form step " + (i % 4)
                        + " of client " + client);
            }
            values.put("orderDraft", draft);
            List<String> searches = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                searches.add("lightweight tent " + (i + 2) + " person waterproof " + (1000 + i * 7));
            }
            values.put("searchHistory", searches);
            byte[] random = new byte[1050];
            new Random(client).nextBytes(random);
            values.put("ssoToken", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random));
        }
        return values;
    }
}
