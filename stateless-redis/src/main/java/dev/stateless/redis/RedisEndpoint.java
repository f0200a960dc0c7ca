package dev.stateless.redis;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where Redis is: one server (or a Sentinel group) by one URI, or a Cluster by its seed nodes,
 * written {@code redis-cluster://host1:port1,host2:port2} ({@code rediss-cluster://} for TLS).
 */
record RedisEndpoint(List<RedisURI> uris, boolean cluster) {

    RedisEndpoint {
        uris = List.copyOf(uris);
    }

    /**
     * The endpoint as a URI without its credentials ({@code ***} stands for them): for logs and
     * health details.
     */
    String describe() {
        RedisURI first = uris.get(0);
        StringBuilder text = new StringBuilder();
        if (cluster) {
            text.append(first.isSsl() ? "rediss-cluster://" : "redis-cluster://").append(credentials(first));
            for (int n = 0; n < uris.size(); n++) {
                text.append(n == 0 ? "" : ",").append(uris.get(n).getHost()).append(':').append(uris.get(n).getPort());
            }
            return text.toString();
        }
        if (!first.getSentinels().isEmpty()) {
            text.append("redis-sentinel://").append(credentials(first));
            for (int n = 0; n < first.getSentinels().size(); n++) {
                RedisURI sentinel = first.getSentinels().get(n);
                text.append(n == 0 ? "" : ",").append(sentinel.getHost()).append(':').append(sentinel.getPort());
            }
            return text.append('/').append(first.getDatabase()).append('#').append(first.getSentinelMasterId()).toString();
        }
        if (first.getSocket() != null) {
            return text.append("redis-socket://").append(credentials(first)).append(first.getSocket()).toString();
        }
        return text.append(first.isSsl() ? "rediss://" : "redis://").append(credentials(first)).append(first.getHost())
                .append(':').append(first.getPort()).append('/').append(first.getDatabase()).toString();
    }

    /** {@code ***@} where the URI carries credentials (a user name, a password or both), else nothing. */
    private static String credentials(RedisURI uri) {
        RedisCredentialsProvider provider = uri.getCredentialsProvider();
        if (provider == null) {
            return "";
        }
        if (provider instanceof RedisCredentialsProvider.ImmediateRedisCredentialsProvider immediate) {
            RedisCredentials credentials = immediate.resolveCredentialsNow();
            if (credentials == null || (!credentials.hasUsername() && !credentials.hasPassword())) {
                return "";
            }
        }
        return "***@";
    }

    static RedisEndpoint parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        String lower = uri.toLowerCase(Locale.ROOT);
        try {
            for (String scheme : new String[] {"redis-cluster://", "rediss-cluster://"}) {
                if (lower.startsWith(scheme)) {
                    String rest = uri.substring(scheme.length());
                    int slash = rest.indexOf('/');
                    String hosts = slash < 0 ? rest : rest.substring(0, slash);
                    String credentials = "";
                    int at = hosts.lastIndexOf('@');
                    if (at >= 0) {
                        credentials = hosts.substring(0, at + 1);
                        hosts = hosts.substring(at + 1);
                    }
                    String base = scheme.startsWith("rediss") ? "rediss://" : "redis://";
                    List<RedisURI> seeds = new ArrayList<>();
                    for (String host : hosts.split(",")) {
                        if (!host.isBlank()) {
                            seeds.add(RedisURI.create(base + credentials + host.strip()));
                        }
                    }
                    if (seeds.isEmpty()) {
                        throw new IllegalArgumentException("no seed nodes");
                    }
                    return new RedisEndpoint(seeds, true);
                }
            }
            return new RedisEndpoint(List.of(RedisURI.create(uri)), false);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("uri: not a Redis URI (redis://, rediss://, redis-sentinel:// or "
                    + "redis-cluster://host:port,host:port)", e);
        }
    }
}
