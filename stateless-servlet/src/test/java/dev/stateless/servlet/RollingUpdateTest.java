package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.servlet.Browser.Reply;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12, mixed versions: two versions of one application serve the same sessions while a
 * deployment rolls. Version 1's {@code Cart} has a note, version 2's has a coupon instead (a field
 * added, and one removed or renamed); each node is a real container whose webapp class loader holds
 * its own compiled version ({@link VersionedWebapp}). Requests alternate between the nodes, in both
 * directions (a session started on v1 and one started on v2), on real Redis.
 */
class RollingUpdateTest extends AbstractMigrationTest {

    private ContainerNode node(LegacyContainer container, String codec, Map<String, String> fields, long serialVersionUid)
            throws Exception {
        return running(container.start(VersionedWebapp.build(redis.uri(), codec, fields, serialVersionUid)));
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void withJsonEveryVersionKeepsTheFieldsOnlyTheOtherKnowsWhileBothChangeTheSession(LegacyContainer container)
            throws Exception {
        ContainerNode v1 = node(container, "json", VersionedWebapp.V1_FIELDS, 1);
        ContainerNode v2 = node(container, "json", VersionedWebapp.V2_FIELDS, 1);

        // started on v1
        Browser first = Browser.withCookies(http);
        startOnV1ThenChangeOnV2(first, v1, v2);
        assertLines(first.get(v1, "cart?add=plum"), "items=apple,pear,plum", "note=gift");
        assertLines(first.get(v2, "cart?add=fig"), "items=apple,pear,plum,fig", "coupon=SAVE10");
        assertLines(first.get(v1, "cart"), "items=apple,pear,plum,fig", "note=gift");

        // started on v2
        Browser second = Browser.withCookies(http);
        assertLines(second.get(v2, "cart?add=kiwi&set=coupon&value=FREESHIP"), "items=kiwi", "coupon=FREESHIP");
        assertLines(second.get(v1, "cart?add=lime&set=note&value=fragile"), "items=kiwi,lime", "note=fragile");
        assertLines(second.get(v2, "cart?add=date"), "items=kiwi,lime,date", "coupon=FREESHIP");
        assertLines(second.get(v1, "cart"), "items=kiwi,lime,date", "note=fragile");
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void aNodeThatOnlyReadsASessionOfTheOtherVersionWritesNothingBack(LegacyContainer container) throws Exception {
        for (String codec : List.of("json", "serializable")) {
            ContainerNode v1 = node(container, codec, VersionedWebapp.V1_FIELDS, 1);
            ContainerNode v2 = node(container, codec, VersionedWebapp.V2_FIELDS, 1);
            Browser browser = Browser.withCookies(http);
            String id = browser.get(v2, "cart?add=apple&set=coupon&value=SAVE10").lines().get("id");
            String stored = storedCart(id);

            assertLines(browser.get(v1, "cart"), "items=apple", "note=null");
            assertThat(storedCart(id))
                    .as("%s: what v2 stored, after v1 only read it", codec).isEqualTo(stored);
            assertLines(browser.get(v2, "cart"), "items=apple", "coupon=SAVE10");
        }
    }

    /**
     * The documented limit of Java serialization: a compatible change (same {@code serialVersionUID})
     * never fails a request either way, but a node that changes the object writes only the fields it
     * knows, so what the other version added is lost at that write (JSON keeps it, above).
     */
    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void withSerializationACompatibleChangeNeverFailsAndAChangeOnTheOldVersionDropsTheNewField(LegacyContainer container)
            throws Exception {
        ContainerNode v1 = node(container, "serializable", VersionedWebapp.V1_FIELDS, 1);
        ContainerNode v2 = node(container, "serializable", VersionedWebapp.V2_FIELDS, 1);

        Browser browser = Browser.withCookies(http);
        startOnV1ThenChangeOnV2(browser, v1, v2);
        assertLines(browser.get(v1, "cart?add=plum"), "items=apple,pear,plum", "note=null");
        assertLines(browser.get(v2, "cart"), "items=apple,pear,plum", "coupon=null");
    }

    /**
     * An incompatible change (another {@code serialVersionUID}, or a JSON type this node does not
     * allow): the value is hidden from the node that cannot read it, the request does not fail, and
     * the stored value stays for the nodes that can, until the application replaces it.
     */
    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void aValueThisVersionCannotReadIsHiddenNotDeletedAndTheRequestSucceeds(LegacyContainer container) throws Exception {
        ContainerNode v1 = node(container, "serializable", VersionedWebapp.V1_FIELDS, 1);
        ContainerNode v3 = node(container, "serializable", VersionedWebapp.V2_FIELDS, 3);

        Browser browser = Browser.withCookies(http);
        String id = browser.get(v3, "cart?add=apple&set=coupon&value=SAVE10").lines().get("id");
        String stored = storedCart(id);
        Reply onV1 = browser.get(v1, "cart?add=pear");
        assertThat(onV1.status()).as(onV1.body()).isEqualTo(200);
        assertThat(onV1.lines()).as("v1 cannot read v3's cart: it starts its own").containsEntry("items", "pear");
        assertThat(onV1.lines()).containsEntry("id", id);
        assertLines(browser.get(v1, "cart"), "items=pear"); // v1's replacement was stored
        assertThat(storedCart(id))
                .as("replaced by the application on v1").isNotEqualTo(stored);

        Browser other = Browser.withCookies(http);
        String otherId = other.get(v3, "cart?add=fig&set=coupon&value=SAVE10").lines().get("id");
        String otherStored = storedCart(otherId);
        Reply peek = other.get(v1, "cart?peek");
        assertThat(peek.status()).as(peek.body()).isEqualTo(200);
        assertThat(peek.lines()).containsEntry("cart", "none");
        assertThat(storedCart(otherId))
                .as("v3's cart, after v1 could not read it").isEqualTo(otherStored);
        assertLines(other.get(v3, "cart"), "items=fig", "coupon=SAVE10");
    }

    /** A cart started on v1 with a note, then given an item and a coupon on v2. */
    private static void startOnV1ThenChangeOnV2(Browser browser, ContainerNode v1, ContainerNode v2) {
        assertLines(browser.get(v1, "cart?add=apple&set=note&value=gift"), "items=apple", "note=gift");
        assertLines(browser.get(v2, "cart?add=pear&set=coupon&value=SAVE10"), "items=apple,pear", "coupon=SAVE10");
    }

    /** The cart as Redis holds it. */
    private static String storedCart(String sessionId) {
        return redis.command("HGET", AbstractSessionContainerTest.keyOf(sessionId), ".cart");
    }

    private static void assertLines(Reply reply, String... lines) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        for (String line : lines) {
            String[] pair = line.split("=", 2);
            assertThat(reply.lines()).as(reply.body()).containsEntry(pair[0], pair[1]);
        }
    }
}
