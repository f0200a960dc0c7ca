package dev.stateless.servlet;

/** The legacy webapp fixture on two nodes of embedded Tomcat 11 (Jasper for the JSPs). */
class TomcatLegacyWebappTest extends AbstractLegacyWebappTest {

    @Override
    protected LegacyContainer container() {
        return LegacyContainer.TOMCAT;
    }
}
