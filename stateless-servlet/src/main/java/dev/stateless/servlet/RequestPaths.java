package dev.stateless.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;

/** Path matching shared by the filters: exact paths, or prefixes written as {@code /prefix/*}. */
final class RequestPaths {

    private RequestPaths() {
    }

    /**
     * The request path below the context path, as the container dispatches it: decoded, without
     * path parameters and with dot segments resolved. Rules must be matched against this, never the
     * raw URI, or {@code /admin;x/y}, {@code /%61dmin} and {@code /public/../orders} slip past them.
     */
    static String within(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        return path.isEmpty() ? "/" : path;
    }

    static boolean matches(String path, String pattern) {
        if (pattern.endsWith("/*")) {
            String prefix = pattern.substring(0, pattern.length() - 2);
            return path.equals(prefix) || path.startsWith(prefix + "/");
        }
        return path.equals(pattern);
    }

    static boolean matchesAny(String path, List<String> patterns) {
        for (String pattern : patterns) {
            if (matches(path, pattern)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the query string names a parameter, without touching (and consuming) a form body. */
    static boolean queryHas(HttpServletRequest request, String name) {
        String query = request.getQueryString();
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if ((eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                return true;
            }
        }
        return false;
    }
}
