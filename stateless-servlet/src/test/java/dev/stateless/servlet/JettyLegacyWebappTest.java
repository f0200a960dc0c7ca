package dev.stateless.servlet;

/**
 * The legacy webapp fixture on two nodes of embedded Jetty 12 (ee10 {@code WebAppContext} with
 * annotation scanning; JSPs by Apache Jasper, see {@link LegacyContainer#JETTY}).
 */
class JettyLegacyWebappTest extends AbstractLegacyWebappTest {

    @Override
    protected LegacyContainer container() {
        return LegacyContainer.JETTY;
    }
}
