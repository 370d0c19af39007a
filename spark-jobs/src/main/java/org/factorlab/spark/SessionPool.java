package org.factorlab.spark;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.factorlab.train.TrainingSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training sessions cached per executor JVM, keyed by (model, config, seed, device): building a session (graph,
 * initial weights) costs far more than {@code load(state)}, so each round a task borrows an idle session, loads
 * the round's state into it and gives it back. Several task slots in one executor get one session each.
 */
final class SessionPool {
    private static final Logger LOG = LoggerFactory.getLogger(SessionPool.class);
    /** Distinct (model, config, seed, device) keys kept; older ones are closed. */
    private static final int MAX_KEYS = 4;

    record Key(String model, String configSha256, long seed, int device) {
    }

    /** A borrowed session and whether it had to be built for this borrow. */
    record Lease(Key key, TrainingSession session, boolean created) {
    }

    private static final Map<Key, ArrayDeque<TrainingSession>> IDLE = new LinkedHashMap<>(16, 0.75f, true);

    private SessionPool() {
    }

    static Key key(String model, String configText, long seed, int device) {
        return new Key(model, sha256(configText), seed, device);
    }

    static Lease borrow(Key key, String configText) {
        return borrow(key, configText, ParentBytes.NONE);
    }

    /** A cached session for {@code key}, or a new one whose frozen parts come from {@code parents}. */
    static Lease borrow(Key key, String configText, ParentBytes parents) {
        synchronized (IDLE) {
            ArrayDeque<TrainingSession> q = IDLE.get(key);
            if (q != null && !q.isEmpty()) return new Lease(key, q.pop(), false);
        }
        TrainingSession s = org.factorlab.model.Families.get(key.model()).open(configText, key.seed(), parents.parents());
        LOG.info("built a {} session for this executor (device {})", key.model(), key.device());
        return new Lease(key, s, true);
    }

    /** Returns a session whose round completed; a session from a failed task is closed instead (its state is unknown). */
    static void giveBack(Lease lease) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(lease.key(), k -> new ArrayDeque<>()).push(lease.session());
            while (IDLE.size() > MAX_KEYS) {
                var eldest = IDLE.entrySet().iterator().next();
                eldest.getValue().forEach(TrainingSession::close);
                IDLE.remove(eldest.getKey());
            }
        }
    }

    static void discard(Lease lease) {
        try {
            lease.session().close();
        } catch (RuntimeException e) {
            LOG.warn("closing a failed task's session: {}", e.toString());
        }
    }

    /** Idle sessions cached for {@code key} (tests check that workers reuse sessions). */
    static int idle(Key key) {
        synchronized (IDLE) {
            ArrayDeque<TrainingSession> q = IDLE.get(key);
            return q == null ? 0 : q.size();
        }
    }

    static String sha256(String text) {
        return org.factorlab.provenance.Digests.sha256Hex(text);
    }
}
