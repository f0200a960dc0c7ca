/**
 * The classes of a legacy, session-stateful webapp of our own, written as an app of the 2000s would
 * be: Serializable beans kept in the session (some mutated in place, one with private state and no
 * setters), session listeners from {@code web.xml} and {@code @WebListener}, an async servlet and a
 * FORM-protected page. The harness copies these classes into the webapp's {@code WEB-INF/classes}
 * (so each node loads them with its own webapp class loader, and annotation scanning finds them);
 * no test code refers to them, every observation goes over HTTP.
 */
package dev.stateless.servlet.legacy;
