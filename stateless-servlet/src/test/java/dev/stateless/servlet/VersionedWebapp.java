package dev.stateless.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A small webapp whose session class exists in two versions, as during a rolling update: the
 * sources are compiled at test time into the webapp's own {@code WEB-INF/classes}, so each node
 * loads its version with its own webapp class loader. The servlet {@code /cart} keeps a
 * {@code com.example.shop.Cart} in the session: {@code ?add=x} appends an item (changed in place),
 * {@code ?set=field&value=v} sets a field this version has, no parameter only reads ({@code ?peek}
 * only says whether there is a cart, without making one); it answers the
 * items and every field this version knows as {@code key=value} lines.
 */
final class VersionedWebapp {

    /** Version 1: a cart with items and a note. */
    static final Map<String, String> V1_FIELDS = Map.of("note", "String");
    /** Version 2: the note is gone (removed, or renamed), a coupon is new. */
    static final Map<String, String> V2_FIELDS = Map.of("coupon", "String");

    private VersionedWebapp() {
    }

    /**
     * An exploded webapp with {@code Cart} of these fields and {@code serialVersionUID}, behind the
     * filter on {@code storeUri} with this codec.
     */
    static Path build(String storeUri, String codec, Map<String, String> fields, long serialVersionUid) {
        try {
            Path dir = Files.createTempDirectory("versioned-webapp-");
            Path src = Files.createDirectories(dir.resolve("src/com/example/shop"));
            Files.writeString(src.resolve("Cart.java"), cartSource(fields, serialVersionUid));
            Files.writeString(src.resolve("CartServlet.java"), servletSource(fields));
            Path classes = Files.createDirectories(dir.resolve("WEB-INF/classes"));
            compile(classes, src.resolve("Cart.java"), src.resolve("CartServlet.java"));
            LegacyWebapp.delete(dir.resolve("src"));
            Files.writeString(dir.resolve("WEB-INF/web.xml"), webXml(storeUri, codec));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cartSource(Map<String, String> fields, long serialVersionUid) {
        StringBuilder java = new StringBuilder("""
                package com.example.shop;

                public class Cart implements java.io.Serializable {
                    private static final long serialVersionUID = %dL;
                    private java.util.List<String> items = new java.util.ArrayList<>();
                """.formatted(serialVersionUid));
        fields.forEach((name, type) -> java.append("    private ").append(type).append(' ').append(name).append(";\n"));
        java.append("    public java.util.List<String> items() { return items; }\n");
        java.append("    public void set(String field, String value) {\n        switch (field) {\n");
        fields.keySet().forEach(name -> java.append("            case \"").append(name).append("\" -> ")
                .append(name).append(" = value;\n"));
        java.append("            default -> throw new IllegalArgumentException(field);\n        }\n    }\n");
        java.append("    public String describe() {\n        return \"items=\" + String.join(\",\", items)");
        fields.keySet().forEach(name -> java.append(" + \"\\n").append(name).append("=\" + ").append(name));
        java.append(";\n    }\n}\n");
        return java.toString();
    }

    private static String servletSource(Map<String, String> fields) {
        return """
                package com.example.shop;

                import jakarta.servlet.http.HttpServlet;
                import jakarta.servlet.http.HttpServletRequest;
                import jakarta.servlet.http.HttpServletResponse;
                import jakarta.servlet.http.HttpSession;
                import java.io.IOException;

                public class CartServlet extends HttpServlet {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                        HttpSession session = request.getSession();
                        Cart cart = (Cart) session.getAttribute("cart");
                        if (request.getParameter("peek") != null) {
                            response.getWriter().println("cart=" + (cart == null ? "none" : "present"));
                            return;
                        }
                        if (cart == null) {
                            cart = new Cart();
                            session.setAttribute("cart", cart);
                        }
                        if (request.getParameter("add") != null) {
                            cart.items().add(request.getParameter("add"));
                        }
                        if (request.getParameter("set") != null) {
                            cart.set(request.getParameter("set"), request.getParameter("value"));
                        }
                        response.setContentType("text/plain;charset=UTF-8");
                        response.getWriter().println("id=" + session.getId());
                        response.getWriter().println(cart.describe());
                    }
                }
                """;
    }

    private static String webXml(String storeUri, String codec) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <filter>
                    <filter-name>sessions</filter-name>
                    <filter-class>dev.stateless.servlet.StatelessSessionFilter</filter-class>
                    <init-param><param-name>store-uri</param-name><param-value>%s</param-value></init-param>
                    <init-param><param-name>codec</param-name><param-value>%s</param-value></init-param>
                    <init-param><param-name>codec-types</param-name><param-value>com.example.shop.Cart</param-value></init-param>
                  </filter>
                  <filter-mapping><filter-name>sessions</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                  <servlet><servlet-name>cart</servlet-name><servlet-class>com.example.shop.CartServlet</servlet-class></servlet>
                  <servlet-mapping><servlet-name>cart</servlet-name><url-pattern>/cart</url-pattern></servlet-mapping>
                </web-app>
                """.formatted(storeUri, codec);
    }

    private static void compile(Path classes, Path... sources) {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("the tests need a JDK (javax.tools), not a JRE");
        }
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path")));
        for (Path source : sources) {
            args.add(source.toString());
        }
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int status = compiler.run(null, null, errors, args.toArray(String[]::new));
        if (status != 0) {
            throw new IllegalStateException("compiling the versioned webapp failed:\n" + errors);
        }
    }
}
