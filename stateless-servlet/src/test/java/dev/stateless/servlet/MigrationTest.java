package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.servlet.Browser.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12's migration, as an operator runs it: the legacy webapp fixture on three nodes of one
 * container over one real Redis, its users active with container sessions (a FORM login, a JSP cart
 * bean changed in place, a plain attribute, a {@code Serializable} bean with private state, and a
 * value that is not {@code Serializable}), each user kept on its node as a sticky load balancer
 * does. The filter is switched on node by node (its container sessions adopted), rolled back node by
 * node (write-through on: every session goes back to the container's copy), and switched on again.
 * After every step every user makes a round of requests that checks all its state and changes it:
 * zero users logged out, zero attributes lost, asserted per user.
 */
class MigrationTest extends AbstractMigrationTest {

    private static final int USERS_PER_NODE = 3;

    /** One user: its browser, the node the balancer keeps it on, and what its session must hold. */
    private static final class User {
        final String name;
        final Browser browser;
        final ContainerNode node;
        final List<String> items = new ArrayList<>();
        final long seed;
        final Random dice;
        String color;
        int rounds;

        User(String name, ContainerNode node, long seed) {
            this.name = name;
            this.browser = Browser.withCookies(http);
            this.node = node;
            this.seed = seed;
            this.dice = new Random(seed);
        }
    }

    @ParameterizedTest
    @EnumSource(LegacyContainer.class)
    void switchingTheFilterOnNodeByNodeRollingBackAndOnAgainLogsNobodyOutAndLosesNothing(LegacyContainer container)
            throws Exception {
        List<ContainerNode> nodes = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            nodes.add(running(container.start(LegacyWebapp.withMigrationSwitch(redis.uri()))));
        }
        List<User> users = new ArrayList<>();
        for (ContainerNode node : nodes) {
            for (int u = 0; u < USERS_PER_NODE; u++) {
                User user = new User("user " + users.size() + " on " + node, node, 100 + users.size());
                start(user);
                users.add(user);
            }
        }
        List<String> problems = new ArrayList<>();
        for (User user : users) {
            assertThat(user.browser.cookie("SESSION")).as("%s has only a container session", user.name).isNull();
        }

        for (ContainerNode node : nodes) {
            switchTo(node, "percent=100");
            roundOfRequests(users, "after the filter was switched on at " + node, problems);
        }
        assertThat(problems).as("users logged out or attributes lost").isEmpty();
        for (User user : users) {
            assertThat(user.browser.cookie("SESSION")).as("%s has a session of the filter", user.name).isNotNull();
            assertThat(redis.command("EXISTS", AbstractSessionContainerTest.keyOf(user.browser.cookie("SESSION"))))
                    .as("%s's session is in Redis", user.name).isEqualTo("1");
        }
        for (ContainerNode node : nodes) {
            Map<String, String> counters = switchTo(node, "percent=100");
            assertThat(counters).as("adopted on %s", node)
                    .containsEntry("adopted", Integer.toString(USERS_PER_NODE))
                    .containsEntry("refused", Integer.toString(USERS_PER_NODE)); // each user's printer handle
        }

        for (ContainerNode node : nodes) {
            switchTo(node, "percent=0");
            roundOfRequests(users, "after the filter was rolled back at " + node, problems);
        }
        assertThat(problems).as("users logged out or attributes lost").isEmpty();
        for (User user : users) {
            assertThat(user.browser.cookie("SESSION")).as("%s's session went back to the container", user.name).isNull();
        }
        for (ContainerNode node : nodes) {
            assertThat(switchTo(node, "percent=0")).as("handed back on %s", node).containsEntry("returned", Integer.toString(USERS_PER_NODE));
        }

        for (ContainerNode node : nodes) {
            switchTo(node, "percent=100");
            roundOfRequests(users, "after the filter was switched on again at " + node, problems);
        }
        for (User user : users) {
            assertThat(user.browser.cookie("SESSION")).as("%s has a session of the filter again", user.name).isNotNull();
        }
        assertThat(problems).as("users logged out or attributes lost").isEmpty();
        assertThat(users).allSatisfy(user -> assertThat(user.rounds).isEqualTo(9));
    }

    /** Logs in with the container's FORM login and fills the session, all in the container's session. */
    private static void start(User user) {
        AbstractLegacyWebappTest.assertSeesLoginPage(user.browser.get(user.node, "secure/account"));
        Reply posted = user.browser.postForm(user.node, "j_security_check",
                Map.of("j_username", LegacyWebapp.USER, "j_password", LegacyWebapp.PASSWORD));
        assertThat(posted.status()).as(posted.body()).isIn(302, 303);
        assertThat(user.browser.get(user.node, "secure/account").lines()).containsEntry("account", LegacyWebapp.USER);
        add(user, "first");
        user.color = "red" + user.seed;
        assertThat(user.browser.get(user.node, "attr?set=color&value=" + user.color).status()).isEqualTo(200);
        assertThat(user.browser.get(user.node, "dice?seed=" + user.seed).lines()).containsEntry("seeded", Long.toString(user.seed));
        assertThat(user.browser.get(user.node, "printer").lines()).containsEntry("printer", "queue-1");
    }

    private static void add(User user, String item) {
        user.items.add(item);
        Reply cart = user.browser.get(user.node, "cart.jsp?add=" + item);
        assertThat(cart.lines()).as(cart.body()).containsEntry("items", String.join(",", user.items));
    }

    /** Each user checks, and changes, everything its session holds; what differs is a problem, by user. */
    private static void roundOfRequests(List<User> users, String step, List<String> problems) {
        for (User user : users) {
            user.rounds++;
            String who = user.name + ", " + step + ": ";
            Reply account = user.browser.get(user.node, "secure/account");
            if (account.status() != 200 || !LegacyWebapp.USER.equals(account.lines().get("account"))) {
                problems.add(who + "logged out (" + account.status() + ")");
                continue;
            }
            String item = "item" + user.rounds;
            user.items.add(item);
            Reply cart = user.browser.get(user.node, "cart.jsp?add=" + item);
            expect(problems, who + "cart", cart, "items", String.join(",", user.items));
            expect(problems, who + "color", user.browser.get(user.node, "attr?get=color"), "color", user.color);
            expect(problems, who + "dice", user.browser.get(user.node, "dice"), "roll",
                    Integer.toString(user.dice.nextInt(1_000_000)));
            expect(problems, who + "printer", user.browser.get(user.node, "printer"), "printer", "queue-1");
        }
    }

    private static void expect(List<String> problems, String what, Reply reply, String key, String value) {
        if (reply.status() != 200 || !value.equals(reply.lines().get(key))) {
            problems.add(what + ": expected " + key + "=" + value + ", got " + reply.status() + " " + reply.body().strip());
        }
    }
}
