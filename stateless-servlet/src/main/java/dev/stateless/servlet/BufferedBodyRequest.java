package dev.stateless.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request whose body was read ahead (to fingerprint it) and is served again from memory. Form
 * bodies ({@code application/x-www-form-urlencoded}) are parsed here, since the container can no
 * longer read them: {@code getParameter} sees the query's parameters, then the form's.
 */
final class BufferedBodyRequest extends HookedAsyncRequest {

    private final byte[] body;
    private ServletInputStream stream;
    private BufferedReader reader;
    private Map<String, String[]> parameters;

    BufferedBodyRequest(HttpServletRequest request, byte[] body) {
        super(request);
        this.body = body;
    }

    static boolean isForm(HttpServletRequest request) {
        String type = request.getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    /** How many fields a form body holds, counted as the parser below splits it. */
    static int formKeys(byte[] body) {
        int keys = 0;
        boolean inField = false;
        for (byte b : body) {
            if (b == '&') {
                inField = false;
            } else if (!inField) {
                inField = true;
                keys++;
            }
        }
        return keys;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (reader != null) {
            throw new IllegalStateException("getReader() was already called");
        }
        if (stream == null) {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            stream = new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    try {
                        listener.onDataAvailable();
                        listener.onAllDataRead();
                    } catch (IOException e) {
                        listener.onError(e);
                    }
                }
            };
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() {
        if (stream != null) {
            throw new IllegalStateException("getInputStream() was already called");
        }
        if (reader == null) {
            reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset()));
        }
        return reader;
    }

    private Charset charset() {
        String encoding = getCharacterEncoding();
        try {
            return encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.UTF_8;
        }
    }

    @Override
    public String getParameter(String name) {
        String[] values = getParameterMap().get(name);
        return values == null || values.length == 0 ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        if (parameters == null) {
            // The container parses the query; the body it can no longer read is parsed here.
            Map<String, List<String>> merged = new LinkedHashMap<>();
            super.getParameterMap().forEach((k, v) -> merged.computeIfAbsent(k, x -> new ArrayList<>()).addAll(List.of(v)));
            if (isForm(this)) {
                Charset charset = charset();
                for (String pair : new String(body, StandardCharsets.ISO_8859_1).split("&")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int eq = pair.indexOf('=');
                    try {
                        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), charset);
                        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), charset);
                        merged.computeIfAbsent(name, x -> new ArrayList<>()).add(value);
                    } catch (IllegalArgumentException malformed) {
                        // a broken escape: skip the pair, as containers do
                    }
                }
            }
            Map<String, String[]> result = new LinkedHashMap<>();
            merged.forEach((k, v) -> result.put(k, v.toArray(new String[0])));
            parameters = Collections.unmodifiableMap(result);
        }
        return parameters;
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(getParameterMap().keySet());
    }

    @Override
    public String[] getParameterValues(String name) {
        String[] values = getParameterMap().get(name);
        return values == null ? null : values.clone();
    }
}
