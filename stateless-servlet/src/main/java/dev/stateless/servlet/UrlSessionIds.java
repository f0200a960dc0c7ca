package dev.stateless.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * Session ids in URLs ({@code /cart;jsessionid=ID?x=1}), for clients without cookies, as Servlet
 * containers carry them: {@code encodeURL} adds the id to links into the application while the
 * client has not shown that it keeps cookies, and the id is read back from the request URI's path
 * parameter. The parameter name is the Servlet spec's {@code jsessionid}.
 */
final class UrlSessionIds {

    static final String PARAMETER = "jsessionid";
    private static final String MARKER = ";" + PARAMETER + "=";
    /** Far longer than our ids; anything longer is not ours and is not looked at. */
    private static final int MAX_ID_LENGTH = 128;

    private UrlSessionIds() {
    }

    /** The id in the request URI's path parameter, if any (raw text, not yet checked). */
    static Optional<String> fromRequest(HttpServletRequest request) {
        String uri = request.getRequestURI();
        if (uri == null) {
            return Optional.empty();
        }
        int at = uri.toLowerCase(Locale.ROOT).indexOf(MARKER);
        if (at < 0) {
            return Optional.empty();
        }
        int start = at + MARKER.length();
        int end = start;
        while (end < uri.length() && uri.charAt(end) != ';' && uri.charAt(end) != '/' && end - start <= MAX_ID_LENGTH) {
            end++;
        }
        if (end == start || end - start > MAX_ID_LENGTH) {
            return Optional.empty();
        }
        return Optional.of(uri.substring(start, end));
    }

    /**
     * {@code url} with the id as a path parameter, when it points into this application (relative,
     * or absolute on the request's own scheme, host, port and context path); otherwise unchanged.
     */
    static String encode(HttpServletRequest request, String url, String id) {
        if (url == null || !pointsIntoApplication(request, url)) {
            return url;
        }
        int end = url.length();
        int query = url.indexOf('?');
        int fragment = url.indexOf('#');
        if (query >= 0) {
            end = query;
        }
        if (fragment >= 0 && fragment < end) {
            end = fragment;
        }
        String path = url.substring(0, end);
        int existing = path.toLowerCase(Locale.ROOT).indexOf(MARKER);
        if (existing >= 0) {
            int stop = existing + MARKER.length();
            while (stop < path.length() && path.charAt(stop) != ';' && path.charAt(stop) != '/') {
                stop++;
            }
            path = path.substring(0, existing) + path.substring(stop);
        }
        return path + MARKER + id + url.substring(end);
    }

    private static boolean pointsIntoApplication(HttpServletRequest request, String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("#") || lower.startsWith("mailto:") || lower.startsWith("javascript:")
                || lower.startsWith("data:") || lower.startsWith("tel:")) {
            return false;
        }
        boolean absolute = lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("//");
        if (!absolute) {
            return !lower.matches("^[a-z][a-z0-9+.-]*:.*"); // another scheme
        }
        try {
            URI target = new URI(lower.startsWith("//") ? request.getScheme() + ":" + url : url);
            int port = target.getPort() != -1 ? target.getPort() : "https".equalsIgnoreCase(target.getScheme()) ? 443 : 80;
            if (!request.getScheme().equalsIgnoreCase(target.getScheme())
                    || target.getHost() == null || !target.getHost().equalsIgnoreCase(request.getServerName())
                    || port != request.getServerPort()) {
                return false;
            }
            String contextPath = request.getContextPath();
            String path = target.getRawPath() == null ? "" : target.getRawPath();
            return contextPath.isEmpty() || path.equals(contextPath) || path.startsWith(contextPath + "/")
                    || path.startsWith(contextPath + ";");
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
